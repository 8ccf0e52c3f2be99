using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;

namespace Cerebrum.Tests.Inference.Protocol;

/// <summary>
/// Infer requests from peers against a real engine: every hostile request is answered, and a refusal names what was
/// wrong (BadInput, UnknownModel, DeadlineExceeded, ...). Internal, the code for an unexpected exception, must never
/// come from the request's content. Tensor decoding and validation throw only <see cref="InferenceException"/>.
/// </summary>
[TestFixture]
public sealed class InferRequestFuzzTests
{
    private AddModelEngine _addModel = null!;
    private PrivateKey _nodeKey = null!;

    [OneTimeSetUp]
    public void SetUp()
    {
        _addModel = AddModelEngine.Start();
        _nodeKey = Fuzz.Key("infer-fuzz-node", KeyType.Secp256k1);
    }

    [OneTimeTearDown]
    public async Task TearDown()
    {
        _nodeKey.Dispose();
        await _addModel.DisposeAsync();
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public async Task Handler_AnswersEveryRequestWithoutInternalErrors(int seed)
    {
        var handler = new InferProtocolHandler(_addModel.Engine, _nodeKey);
        var model = _addModel.Store.Find("add")!;
        byte[][] valid = [ValidRequest(model.Hash, FarDeadline), ValidRequest("add", FarDeadline)];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(150); i++)
        {
            var input = mutator.Next(valid, 120);
            InferResponse? response = null;
            await Fuzz.CheckAsync("InferProtocolHandler.AnswerAsync", seed, input, async () => response = await handler.AnswerAsync(input, CancellationToken.None));
            Assert.That(response!.Error?.Code, Is.Not.EqualTo(InferErrorCode.Internal),
                $"seed {seed}: 0x{Convert.ToHexStringLower(input)} answered {response.Error}");
        }
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void FromWireAndValidate_ThrowOnlyInferenceException(int seed)
    {
        var model = _addModel.Store.Find("add")!;
        byte[][] valid = [.. InferRequest.Parser.ParseFrom(ValidRequest(model.Hash, FarDeadline)).Inputs.Select(t => t.ToByteArray())];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(1500); i++)
        {
            var input = mutator.Next(valid, 60);
            WireTensor wire;
            try
            {
                wire = WireTensor.Parser.ParseFrom(input);
            }
            catch (InvalidProtocolBufferException)
            {
                continue;
            }
            Fuzz.CheckBounded("WireTensors.FromWire and InputValidator.Validate", seed, input, () =>
            {
                var tensor = WireTensors.FromWire(wire);
                InputValidator.Validate(model, [tensor, Tensor.FromFloats(tensor.Name == "a" ? "b" : "a", [1, 3], [1, 2, 3])], new ModelLimits(1024, 1024, 1 << 20, 1 << 20));
            }, typeof(InferenceException));
        }
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public async Task ClientSide_ResponsesParseOrFailAndReceiptsVerifyOrNot(int seed)
    {
        var request = InferRequest.Parser.ParseFrom(ValidRequest("add", FarDeadline));
        var answer = await new InferProtocolHandler(_addModel.Engine, _nodeKey).AnswerAsync(request.ToByteArray(), CancellationToken.None);
        // The measured times are the answer's only bytes that differ from run to run: pinned, so the corpus is the same.
        (answer.QueueMicros, answer.ComputeMicros) = (7, 1234);
        Assert.That(InferReceipts.Verify(request, answer, _nodeKey.PublicKey), Is.True);
        byte[][] valid = [answer.ToByteArray()];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(600); i++)
        {
            var input = mutator.Next(valid, 120);
            InferResponse? response = null;
            if (!Fuzz.CheckBounded("InferResponse parse", seed, input, () => response = InferResponse.Parser.ParseFrom(input), typeof(InvalidProtocolBufferException)))
                continue;
            Fuzz.Check("InferReceipts.Verify", seed, input, () => InferReceipts.Verify(request, response!, _nodeKey.PublicKey));
            Fuzz.Check("WireTensors.FromWire (response)", seed, input, () =>
            {
                foreach (var output in response!.Outputs) WireTensors.FromWire(output);
            }, typeof(InferenceException));
        }
    }

    [Test]
    public async Task DeadlineBeyondTheCalendar_IsBadInput()
    {
        var handler = new InferProtocolHandler(_addModel.Engine, _nodeKey);
        var request = InferRequest.Parser.ParseFrom(ValidRequest("add", FarDeadline));
        request.DeadlineUnixMs = long.MaxValue;
        var response = await handler.AnswerAsync(request.ToByteArray(), CancellationToken.None);
        Assert.That(response.Error?.Code, Is.EqualTo(InferErrorCode.BadInput));
        Assert.That(response.Error?.Message, Does.Contain("deadline_unix_ms 9223372036854775807"));
    }

    [Test]
    public async Task DeadlineMonthsAhead_RunsAndLeavesNoQueueSlotTaken()
    {
        // 60 days is past the longest timer delay (about 49.7 days). Such requests used to fail as Internal after taking
        // a queue slot they never gave back, so enough of them made the model answer Busy for good.
        var handler = new InferProtocolHandler(_addModel.Engine, _nodeKey);
        var request = ValidRequest("add", DateTimeOffset.UtcNow.AddDays(60)); // clock: a deadline test, not a fuzz corpus
        for (var i = 0; i < 40; i++)
        {
            var response = await handler.AnswerAsync(request, CancellationToken.None);
            Assert.That(response.Error, Is.Null, $"request {i}");
        }
    }

    /// <summary>A fixed deadline, far ahead, so that the valid requests the mutations start from are the same in every run.</summary>
    private static readonly DateTimeOffset FarDeadline = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static byte[] ValidRequest(string model, DateTimeOffset deadline)
    {
        var request = new InferRequest { JobId = "job", ModelHash = model, DeadlineUnixMs = deadline.ToUnixTimeMilliseconds() };
        request.Inputs.Add(WireTensors.ToWire(Tensor.FromFloats("a", [1, 3], [1, 2, 3])));
        request.Inputs.Add(WireTensors.ToWire(Tensor.FromFloats("b", [1, 3], [4, 5, 6])));
        return request.ToByteArray();
    }
}
