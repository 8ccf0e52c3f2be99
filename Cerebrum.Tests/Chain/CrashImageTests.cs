namespace Cerebrum.Tests.Chain;

/// <summary>
/// What a crash would leave on disk: the database files copied at an instant in the middle of a block's commit
/// (nothing of the transaction is cleaned up, unlike a thrown fault) must reopen at the last committed block.
/// </summary>
[TestFixture]
public sealed class CrashImageTests
{
    private static string CopyFiles(string directory)
    {
        var image = Path.Combine(Path.GetTempPath(), "cerebrum-chain-image-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(image);
        foreach (var file in Directory.GetFiles(directory, "chain*"))
        {
            using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var target = File.Create(Path.Combine(image, Path.GetFileName(file)));
            source.CopyTo(target);
        }
        return image;
    }

    [TestCase("state")]
    [TestCase("commit")]
    public void A_disk_image_taken_midway_through_a_block_reopens_at_the_previous_block(string step)
    {
        using var chain = new ChainFixture();
        chain.Submit(Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 100));
        chain.CommitNext();
        var before = chain.Node.Status;
        chain.Submit(Txs.Transfer(chain.Alice, 1, chain.Bob.PeerId, 200));
        string? image = null;
        chain.Node.Store.BeforeWrite = s =>
        {
            if (s == step) image = CopyFiles(chain.Directory);
        };
        chain.CommitNext();
        chain.Node.Store.BeforeWrite = null;
        var committedImage = CopyFiles(chain.Directory);
        using var midway = new ChainFixture(sameGenesisAs: chain, directory: image);
        using var after = new ChainFixture(sameGenesisAs: chain, directory: committedImage);
        try
        {
            Assert.Multiple(() =>
            {
                Assert.That(midway.Node.Status.Height, Is.EqualTo(1));
                Assert.That(midway.Node.Status.StateRoot, Is.EqualTo(before.StateRoot));
                Assert.That(midway.Node.GetAccount(chain.Bob.PeerId).Balance, Is.EqualTo(ChainFixture.UserBalance + 100));
                Assert.That(after.Node.Status.Height, Is.EqualTo(2), "a committed block survives in the image");
                Assert.That(after.Node.Status.StateRoot, Is.EqualTo(chain.Node.Status.StateRoot));
            });
        }
        finally
        {
            midway.Node.Dispose();
            after.Node.Dispose();
            Directory.Delete(image!, recursive: true);
            Directory.Delete(committedImage, recursive: true);
        }
    }
}
