global using NUnit.Framework;
global using Cerebrum.Core.Operator;
global using Cerebrum.Core.Operator.Configuration;
global using Cerebrum.Core.Operator.Admin;
