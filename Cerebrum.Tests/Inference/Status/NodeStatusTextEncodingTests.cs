using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Hardware;
using Cerebrum.Core.Inference.Scheduling;
using Cerebrum.Core.Inference.Status;
using Cerebrum.Core.Inference.Status.Proto;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.PubSub;

namespace Cerebrum.Tests.Inference.Status;

/// <summary>A heartbeat's text encodings (NodeStatus field 10): what a client needs to tokenize for each text model.</summary>
[TestFixture]
public sealed class NodeStatusTextEncodingTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly HardwareInfo Hardware = new("Linux", "X64", "Test CPU", 8, 16L << 30, [], null);
    private static readonly string TextHash = "sha256:" + new string('e', 64);
    private static readonly string TensorHash = "sha256:" + new string('f', 64);
    private readonly NodeStatusValidator _validator = new();
    private PrivateKey _key = null!;

    [SetUp]
    public void CreateKey() => _key = PrivateKey.Generate(KeyType.Ed25519);

    [TearDown]
    public void DisposeKey() => _key.Dispose();

    [Test]
    public void TheFactory_AnnouncesEachTextModelsEncoding_AndTheValidatorDecodesItIntoTheServedModel()
    {
        var encoding = BuiltinModels.AllMiniLmL6V2Encoding with { MaxTokens = 128 };
        var status = Status(encoding);

        Assert.That(status.TextEncodings.Single().ModelHash, Is.EqualTo(TextHash));
        Assert.That((status.TextEncodings[0].Tokenizer, status.TextEncodings[0].VocabularyHash, status.TextEncodings[0].MaxTokens, status.TextEncodings[0].Pooling, status.TextEncodings[0].Normalize),
            Is.EqualTo(("bert-uncased", BuiltinModels.AllMiniLmL6V2VocabularyHash, 128u, "mean", true)));
        var verdict = _validator.Validate(NodeStatusSigning.Sign(_key, status), Now);
        Assert.That(verdict.Result, Is.EqualTo(ValidationResult.Accept), verdict.Reason);
        var models = verdict.Status!.Models.ToDictionary(m => m.Model.Hash);
        Assert.That(models[TextHash].Model.TextEncoding, Is.EqualTo(encoding));
        Assert.That(models[TextHash].Model.Task, Is.EqualTo(ModelTasks.TextEmbedding));
        Assert.That(models[TextHash].Model.Inputs.Select(i => i.Name), Is.EqualTo(new[] { "input_ids", "attention_mask" }));
        Assert.That((models[TextHash].FreeSlots, models[TextHash].QueueDepth), Is.EqualTo((3u, 1u)));
        Assert.That(models[TensorHash].Model.TextEncoding, Is.Null);
    }

    [Test]
    public void AKindThisVersionDoesNotKnow_IsAccepted_ForTheClientToRefuse()
    {
        var encoding = BuiltinModels.AllMiniLmL6V2Encoding with { Tokenizer = "sentencepiece-unigram", Pooling = "cls" };

        var verdict = _validator.Validate(NodeStatusSigning.Sign(_key, Status(encoding)), Now);

        Assert.That(verdict.Result, Is.EqualTo(ValidationResult.Accept), verdict.Reason);
        Assert.That(verdict.Status!.Models.Single(m => m.Model.Hash == TextHash).Model.TextEncoding, Is.EqualTo(encoding));
    }

    [Test]
    public void AHeartbeatWithoutEncodings_AnOlderNodes_DecodesWithNone()
    {
        var status = Status(BuiltinModels.AllMiniLmL6V2Encoding);
        status.TextEncodings.Clear();

        var verdict = _validator.Validate(NodeStatusSigning.Sign(_key, status), Now);

        Assert.That(verdict.Result, Is.EqualTo(ValidationResult.Accept), verdict.Reason);
        Assert.That(verdict.Status!.Models.Select(m => m.Model.TextEncoding), Has.All.Null);
    }

    [Test]
    public void EncodingsThatDescribeNoListedModel_OrOneTwice_OrAreMalformed_AreRejected()
    {
        var unlisted = Status(BuiltinModels.AllMiniLmL6V2Encoding);
        unlisted.TextEncodings[0].ModelHash = "sha256:" + new string('0', 64);
        var twice = Status(BuiltinModels.AllMiniLmL6V2Encoding);
        twice.TextEncodings.Add(twice.TextEncodings[0].Clone());
        var tooMany = Status(BuiltinModels.AllMiniLmL6V2Encoding);
        tooMany.TextEncodings.Add(tooMany.TextEncodings[0].Clone());
        tooMany.TextEncodings.Add(tooMany.TextEncodings[0].Clone());
        var badVocabulary = Status(BuiltinModels.AllMiniLmL6V2Encoding);
        badVocabulary.TextEncodings[0].VocabularyHash = "vocab.txt";
        var hugeLength = Status(BuiltinModels.AllMiniLmL6V2Encoding);
        hugeLength.TextEncodings[0].MaxTokens = uint.MaxValue;
        var noTokenizer = Status(BuiltinModels.AllMiniLmL6V2Encoding);
        noTokenizer.TextEncodings[0].Tokenizer = "";

        var verdicts = new[] { unlisted, twice, tooMany, badVocabulary, hugeLength, noTokenizer }
            .Select(s => _validator.Validate(NodeStatusSigning.Sign(_key, s), Now)).ToList();

        Assert.That(verdicts.Select(v => v.Result), Has.All.EqualTo(ValidationResult.Reject));
        Assert.That(verdicts[0].Reason, Does.Contain("which the status does not list"));
        Assert.That(verdicts[1].Reason, Does.Contain("has more than one text encoding"));
        Assert.That(verdicts[2].Reason, Is.EqualTo("3 text encodings for 2 models"));
        Assert.That(verdicts[3].Reason, Does.Contain("vocabulary hash 'vocab.txt'"));
        Assert.That(verdicts[4].Reason, Does.Contain("max tokens"));
        Assert.That(verdicts[5].Reason, Does.Contain("tokenizer name"));
    }

    /// <summary>A node's status serving a text model with <paramref name="encoding"/> and a tensor model, as the factory builds it.</summary>
    private NodeStatus Status(TextEncoding encoding)
    {
        TensorSignature[] textInputs = [new("input_ids", TensorDataType.Int64, [-1, -1], ["", ""]), new("attention_mask", TensorDataType.Int64, [-1, -1], ["", ""])];
        var text = new ModelInfo(TextHash, "encoder", 1, 8, 13, textInputs, [new("last_hidden_state", TensorDataType.Float32, [-1, -1, 4], ["", "", ""])],
            ModelTasks.TextEmbedding, encoding, Now);
        var tensor = new ModelInfo(TensorHash, "add", 1, 8, 13, [], [], ModelTasks.Tensor, null, Now);
        return NodeStatusFactory.Create(_key.PeerId, Now, 1, [(text, Stats(queue: 1, running: 1, max: 4)), (tensor, Stats(0, 0, 1))], 0, Hardware);
    }

    private static ModelStatistics Stats(int queue, int running, int max) => new(0, 0, 0, 0, 0, 0, queue, running, max);
}
