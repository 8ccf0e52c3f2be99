namespace Cerebrum.Core.PubSub;

/// <summary>Why a message failed the signature policy of its topic.</summary>
public enum SignatureCheck
{
    Valid,
    MissingField,
    UnexpectedField,
    BadAuthor,
    BadKey,
    BadSignature,
}
