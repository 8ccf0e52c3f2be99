using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Cerebrum.Core.Chain;

namespace Cerebrum.Tests.Architecture;

/// <summary>
/// Lower layers never use higher ones (docs/architecture.md). Checked in the compiled Cerebrum.Core assembly, so that no
/// spelling escapes it (usings, qualified or relative names, global usings, lambdas, iterators, async state machines):
/// every type of a layer, nested and compiler-generated ones included, is read for the types it names in its base type,
/// interfaces, generic constraints, fields, properties, events, method signatures, custom attributes, method bodies'
/// locals, catch clauses and IL operands.
/// </summary>
[TestFixture]
public sealed class LayeringTests
{
    /// <summary>
    /// Types in a namespace (or below it) may not reference types in the forbidden namespaces (or below them): each
    /// layer of DESIGN.md section 2 none above it, and none of them Operator, the top of Core (the contracts the daemon and
    /// the CLI share). One line per layer; add a layer's line when it lands (Verification, Market), and its name to the
    /// lines below it.
    /// </summary>
    private static readonly (string Layer, string[] Forbidden)[] Rules =
    [
        ("Cerebrum.Core.Multiformats", ["Cerebrum.Core.Network", "Cerebrum.Core.PubSub", "Cerebrum.Core.Inference", "Cerebrum.Core.Consensus", "Cerebrum.Core.Chain", "Cerebrum.Core.Gateway", "Cerebrum.Core.Operator"]),
        ("Cerebrum.Core.Crypto", ["Cerebrum.Core.Network", "Cerebrum.Core.PubSub", "Cerebrum.Core.Inference", "Cerebrum.Core.Consensus", "Cerebrum.Core.Chain", "Cerebrum.Core.Gateway", "Cerebrum.Core.Operator"]),
        ("Cerebrum.Core.Network", ["Cerebrum.Core.PubSub", "Cerebrum.Core.Inference", "Cerebrum.Core.Consensus", "Cerebrum.Core.Chain", "Cerebrum.Core.Gateway", "Cerebrum.Core.Operator"]),
        ("Cerebrum.Core.PubSub", ["Cerebrum.Core.Inference", "Cerebrum.Core.Consensus", "Cerebrum.Core.Chain", "Cerebrum.Core.Gateway", "Cerebrum.Core.Operator"]),
        ("Cerebrum.Core.Inference", ["Cerebrum.Core.Consensus", "Cerebrum.Core.Chain", "Cerebrum.Core.Gateway", "Cerebrum.Core.Operator"]),
        ("Cerebrum.Core.Consensus", ["Cerebrum.Core.Chain", "Cerebrum.Core.Gateway", "Cerebrum.Core.Operator"]),
        ("Cerebrum.Core.Chain", ["Cerebrum.Core.Gateway", "Cerebrum.Core.Operator"]),
        // The gateway uses the inference layer's domain types, never its wire (protobuf) types.
        ("Cerebrum.Core.Gateway", ["Cerebrum.Core.Operator", "Cerebrum.Core.Inference.Protocol.Proto", "Cerebrum.Core.Inference.Status.Proto"]),
        ("Cerebrum.Core", ["Cerebrum.Daemon", "Cerebrum.Cli"]),
    ];

    private static readonly Lazy<IReadOnlyList<TypeReferences>> CoreReferences = new(() => ReadReferences(typeof(ChainNode).Assembly.Location));

    private static IEnumerable<string> Layers => Rules.Select(r => r.Layer);

    [TestCaseSource(nameof(Layers))]
    public void A_layer_references_nothing_its_rule_forbids(string layer)
    {
        var forbidden = Rules.Single(r => r.Layer == layer).Forbidden;
        var types = CoreReferences.Value.Where(t => IsIn(t.Namespace, layer)).ToList();
        Assert.That(types, Is.Not.Empty, $"no types in {layer}: the rule table names a layer that does not exist");
        var violations = types
            .SelectMany(t => t.Referenced.Where(r => forbidden.Any(f => IsIn(r, f))).Select(r => $"{t.Name} -> {r}"))
            .Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.That(violations, Is.Empty, $"{layer} may not use {string.Join(", ", forbidden)}");
    }

    [Test]
    public void The_reader_sees_types_named_only_inside_method_bodies()
    {
        // ChainGossip's consensus validator names Decision only in an `is` test and ConsensusGossipVerdict only in a call,
        // both inside a method body, in no signature: were bodies not read, these would be missed.
        var gossip = CoreReferences.Value.Single(t => t.Name == "Cerebrum.Core.Chain.Gossip.ChainGossip");
        Assert.That(gossip.Referenced, Does.Contain("Cerebrum.Core.Consensus.Decision"));
        Assert.That(gossip.Referenced, Does.Contain("Cerebrum.Core.Chain.Gossip.ConsensusGossipVerdict"));
        // And a compiler-generated state machine counts for the type that declares it.
        var reactor = CoreReferences.Value.Where(t => t.Name.StartsWith("Cerebrum.Core.Chain.Validating.ConsensusReactor+", StringComparison.Ordinal));
        Assert.That(reactor.SelectMany(t => t.Referenced), Does.Contain("Cerebrum.Core.Chain.Validating.DriverLagTracker"));
    }

    private static bool IsIn(string name, string space) =>
        name.Equals(space, StringComparison.Ordinal) || name.StartsWith(space + ".", StringComparison.Ordinal);

    /// <summary>A type of the assembly, the namespace it lives in (its outermost declaring type's) and every type it names.</summary>
    private sealed record TypeReferences(string Name, string Namespace, IReadOnlySet<string> Referenced);

    private static List<TypeReferences> ReadReferences(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new TypeNames(md);
        var result = new List<TypeReferences>();
        foreach (var handle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(handle);
            var found = new HashSet<string>(StringComparer.Ordinal);
            void Add(ImmutableArray<string> types) => found.UnionWith(types);
            void AddAttributes(CustomAttributeHandleCollection attributes)
            {
                foreach (var a in attributes) Add(names.OfMember(md.GetCustomAttribute(a).Constructor));
            }

            if (!type.BaseType.IsNil) Add(names.Of(type.BaseType));
            foreach (var i in type.GetInterfaceImplementations()) Add(names.Of(md.GetInterfaceImplementation(i).Interface));
            AddConstraints(md, names, type.GetGenericParameters(), Add);
            AddAttributes(type.GetCustomAttributes());
            foreach (var f in type.GetFields())
            {
                var field = md.GetFieldDefinition(f);
                Add(field.DecodeSignature(names, null));
                AddAttributes(field.GetCustomAttributes());
            }
            foreach (var p in type.GetProperties())
            {
                var property = md.GetPropertyDefinition(p);
                var signature = property.DecodeSignature(names, null);
                Add(signature.ReturnType);
                foreach (var parameter in signature.ParameterTypes) Add(parameter);
                AddAttributes(property.GetCustomAttributes());
            }
            foreach (var e in type.GetEvents()) Add(names.Of(md.GetEventDefinition(e).Type));
            foreach (var m in type.GetMethods())
            {
                var method = md.GetMethodDefinition(m);
                var signature = method.DecodeSignature(names, null);
                Add(signature.ReturnType);
                foreach (var parameter in signature.ParameterTypes) Add(parameter);
                AddConstraints(md, names, method.GetGenericParameters(), Add);
                AddAttributes(method.GetCustomAttributes());
                if (method.RelativeVirtualAddress != 0) AddBody(md, names, pe.GetMethodBody(method.RelativeVirtualAddress), Add);
            }
            var outermost = handle;
            while (md.GetTypeDefinition(outermost).GetDeclaringType() is { IsNil: false } declaring) outermost = declaring;
            result.Add(new TypeReferences(names.FullName(handle), md.GetString(md.GetTypeDefinition(outermost).Namespace), found));
        }
        return result;
    }

    private static void AddConstraints(MetadataReader md, TypeNames names, GenericParameterHandleCollection parameters, Action<ImmutableArray<string>> add)
    {
        foreach (var p in parameters)
            foreach (var c in md.GetGenericParameter(p).GetConstraints())
                add(names.Of(md.GetGenericParameterConstraint(c).Type));
    }

    private static void AddBody(MetadataReader md, TypeNames names, MethodBodyBlock body, Action<ImmutableArray<string>> add)
    {
        if (!body.LocalSignature.IsNil)
            foreach (var local in md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(names, null))
                add(local);
        foreach (var region in body.ExceptionRegions)
            if (!region.CatchType.IsNil) add(names.Of(region.CatchType));
        var il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            int code = il.ReadByte();
            if (code == 0xFE) code = 0xFE00 | il.ReadByte();
            switch (OpCodeTable.Value[code].OperandType)
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    il.ReadByte();
                    break;
                case OperandType.InlineVar:
                    il.ReadUInt16();
                    break;
                case OperandType.InlineBrTarget or OperandType.InlineI or OperandType.InlineString or OperandType.ShortInlineR:
                    il.ReadInt32();
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    il.ReadInt64();
                    break;
                case OperandType.InlineSwitch:
                    var targets = il.ReadInt32();
                    for (var i = 0; i < targets; i++) il.ReadInt32();
                    break;
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType or OperandType.InlineSig:
                    add(names.OfMember(MetadataTokens.EntityHandle(il.ReadInt32())));
                    break;
                default:
                    throw new InvalidDataException($"opcode 0x{code:x} has an operand this reader does not know");
            }
        }
    }

    private static readonly Lazy<Dictionary<int, OpCode>> OpCodeTable = new(() =>
        typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (OpCode)f.GetValue(null)!)
            .ToDictionary(o => (int)(ushort)o.Value));

    /// <summary>The full names of the types a handle or signature names (generic arguments, array elements and modifiers included).</summary>
    private sealed class TypeNames(MetadataReader md) : ISignatureTypeProvider<ImmutableArray<string>, object?>
    {
        public string FullName(TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            var declaring = type.GetDeclaringType();
            if (!declaring.IsNil) return FullName(declaring) + "+" + md.GetString(type.Name);
            var space = md.GetString(type.Namespace);
            return space.Length == 0 ? md.GetString(type.Name) : space + "." + md.GetString(type.Name);
        }

        private string FullName(TypeReferenceHandle handle)
        {
            var type = md.GetTypeReference(handle);
            if (type.ResolutionScope.Kind == HandleKind.TypeReference)
                return FullName((TypeReferenceHandle)type.ResolutionScope) + "+" + md.GetString(type.Name);
            var space = md.GetString(type.Namespace);
            return space.Length == 0 ? md.GetString(type.Name) : space + "." + md.GetString(type.Name);
        }

        /// <summary>A type handle (definition, reference or specification).</summary>
        public ImmutableArray<string> Of(EntityHandle handle) => handle.Kind switch
        {
            HandleKind.TypeDefinition => [FullName((TypeDefinitionHandle)handle)],
            HandleKind.TypeReference => [FullName((TypeReferenceHandle)handle)],
            HandleKind.TypeSpecification => md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null),
            _ => [],
        };

        /// <summary>Any token an instruction or attribute names: a type, or a member with its declaring type and signature.</summary>
        public ImmutableArray<string> OfMember(EntityHandle handle)
        {
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition or HandleKind.TypeReference or HandleKind.TypeSpecification:
                    return Of(handle);
                case HandleKind.FieldDefinition:
                    var field = md.GetFieldDefinition((FieldDefinitionHandle)handle);
                    return [FullName(field.GetDeclaringType()), .. field.DecodeSignature(this, null)];
                case HandleKind.MethodDefinition:
                    var method = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                    return [FullName(method.GetDeclaringType()), .. Flatten(method.DecodeSignature(this, null))];
                case HandleKind.MemberReference:
                    var member = md.GetMemberReference((MemberReferenceHandle)handle);
                    var parent = member.Parent.Kind == HandleKind.MethodDefinition ? OfMember(member.Parent) : Of(member.Parent);
                    return member.GetKind() == MemberReferenceKind.Field
                        ? [.. parent, .. member.DecodeFieldSignature(this, null)]
                        : [.. parent, .. Flatten(member.DecodeMethodSignature(this, null))];
                case HandleKind.MethodSpecification:
                    var specification = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                    return [.. OfMember(specification.Method), .. specification.DecodeSignature(this, null).SelectMany(t => t)];
                case HandleKind.StandaloneSignature:
                    var standalone = md.GetStandaloneSignature((StandaloneSignatureHandle)handle);
                    return standalone.GetKind() == StandaloneSignatureKind.Method
                        ? Flatten(standalone.DecodeMethodSignature(this, null))
                        : [.. standalone.DecodeLocalSignature(this, null).SelectMany(t => t)];
                default:
                    return [];
            }
        }

        private static ImmutableArray<string> Flatten(MethodSignature<ImmutableArray<string>> signature) =>
            [.. signature.ReturnType, .. signature.ParameterTypes.SelectMany(t => t)];

        public ImmutableArray<string> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => [FullName(handle)];

        public ImmutableArray<string> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => [FullName(handle)];

        public ImmutableArray<string> GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public ImmutableArray<string> GetPrimitiveType(PrimitiveTypeCode typeCode) => [];

        public ImmutableArray<string> GetSZArrayType(ImmutableArray<string> elementType) => elementType;

        public ImmutableArray<string> GetArrayType(ImmutableArray<string> elementType, ArrayShape shape) => elementType;

        public ImmutableArray<string> GetByReferenceType(ImmutableArray<string> elementType) => elementType;

        public ImmutableArray<string> GetPointerType(ImmutableArray<string> elementType) => elementType;

        public ImmutableArray<string> GetPinnedType(ImmutableArray<string> elementType) => elementType;

        public ImmutableArray<string> GetGenericInstantiation(ImmutableArray<string> genericType, ImmutableArray<ImmutableArray<string>> typeArguments) =>
            [.. genericType, .. typeArguments.SelectMany(t => t)];

        public ImmutableArray<string> GetGenericMethodParameter(object? genericContext, int index) => [];

        public ImmutableArray<string> GetGenericTypeParameter(object? genericContext, int index) => [];

        public ImmutableArray<string> GetFunctionPointerType(MethodSignature<ImmutableArray<string>> signature) => Flatten(signature);

        public ImmutableArray<string> GetModifiedType(ImmutableArray<string> modifier, ImmutableArray<string> unmodifiedType, bool isRequired) =>
            [.. modifier, .. unmodifiedType];
    }
}
