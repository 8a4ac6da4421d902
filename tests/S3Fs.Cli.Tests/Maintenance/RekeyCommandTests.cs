using S3Fs.Cli.Tests.Commands;
using S3Fs.Core.Storage;
using S3Fs.Crypto.Keys;
using S3Fs.Testing.Storage;

namespace S3Fs.Cli.Tests.Maintenance;

public sealed class RekeyCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();
    private readonly string _keyA;
    private readonly string _keyB;

    public RekeyCommandTests()
    {
        _keyA = _cli.NewKey("a.key");
        _keyB = _cli.NewKey("b.key");
    }

    public void Dispose() => _cli.Dispose();

    private string ConfA => _cli.Options($"master_key = file:{_keyA}\nprefix = vol\n", "a.conf");

    private string ConfRotating => _cli.Options($"master_key = file:{_keyB}\nold_keys = file:{_keyA}\nprefix = vol\n", "rotating.conf");

    private string ConfB => _cli.Options($"master_key = file:{_keyB}\nprefix = vol\n", "b.conf");

    private static string KeyId(string path)
    {
        using var key = FileMasterKey.Load(path);
        return key.KeyId;
    }

    [Fact]
    public async Task Rekey_FilesOfKeyA_ReadByteExactWithOnlyKeyBAfterwards()
    {
        var files = await _cli.PutFilesAsync(ConfA, 5);
        var (before, _, beforeErr) = await _cli.RunAsync("get", ConfB, files.Keys.First(), Path.Combine(_cli.Directory, "x"));
        Assert.Equal(1, before);
        Assert.Contains(KeyId(_keyA), beforeErr, StringComparison.Ordinal);

        var (code, output, err) = await _cli.RunAsync("rekey", ConfRotating);

        Assert.True(code == 0, err);
        Assert.Contains($"docs/f00.bin: re-keyed: file:{KeyId(_keyA)} -> file:{KeyId(_keyB)}", output, StringComparison.Ordinal);
        Assert.Contains("rekey: 5 objects", output, StringComparison.Ordinal);
        Assert.Contains("5 re-keyed, 0 already current", output, StringComparison.Ordinal);
        await _cli.AssertReadableAsync(ConfB, files);
    }

    [Fact]
    public async Task Rekey_SecondRun_HasNothingToDo()
    {
        await _cli.PutFilesAsync(ConfA, 3);
        Assert.Equal(0, (await _cli.RunAsync("rekey", ConfRotating)).Code);

        var (code, output, _) = await _cli.RunAsync("rekey", ConfRotating);

        Assert.Equal(0, code);
        Assert.Contains("0 re-keyed, 3 already current", output, StringComparison.Ordinal);
        Assert.DoesNotContain(": re-keyed:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rekey_DryRun_ListsTheFilesAndWritesNothing()
    {
        var files = await _cli.PutFilesAsync(ConfA, 2);
        var etags = _cli.Store.Keys.ToDictionary(k => k, k => _cli.Store.Peek(k)!.ETag);

        var (code, output, err) = await _cli.RunAsync("rekey", ConfRotating, "--dry-run");

        Assert.True(code == 0, err);
        Assert.Contains("f01.bin: would re-key", output, StringComparison.Ordinal);
        Assert.Contains("2 to re-key", output, StringComparison.Ordinal);
        Assert.Equal(etags, _cli.Store.Keys.ToDictionary(k => k, k => _cli.Store.Peek(k)!.ETag));
        await _cli.AssertReadableAsync(ConfA, files);
    }

    [Fact]
    public async Task Rekey_SubPath_RekeysOnlyThatFolder()
    {
        await _cli.PutFilesAsync(ConfA, 4);

        var (code, output, _) = await _cli.RunAsync("rekey", ConfRotating, "docs");

        Assert.Equal(0, code);
        Assert.Contains("2 re-keyed", output, StringComparison.Ordinal);
        Assert.Equal(1, (await _cli.RunAsync("get", ConfB, "f01.bin", Path.Combine(_cli.Directory, "o"))).Code);
        Assert.Equal(0, (await _cli.RunAsync("get", ConfB, "docs/f00.bin", Path.Combine(_cli.Directory, "o"))).Code);
    }

    [Fact]
    public async Task Rekey_FileOfAnUnconfiguredKey_IsNamedWithItsKeyIdAndExitsOne()
    {
        var keyC = _cli.NewKey("c.key");
        await _cli.PutFilesAsync(ConfA, 1);
        Assert.Equal(0, (await _cli.RunAsync("put", _cli.Options($"master_key = file:{keyC}\nprefix = vol\n", "c.conf"), _cli.LocalFile("c", [1, 2, 3]), "lost.bin")).Code);

        var (code, output, err) = await _cli.RunAsync("rekey", ConfRotating);

        Assert.Equal(1, code);
        Assert.Contains($"FAILED: lost.bin: encrypted with key file:{KeyId(keyC)}, which is not configured; add that key to old_keys", output, StringComparison.Ordinal);
        Assert.Contains("1 re-keyed", output, StringComparison.Ordinal);
        Assert.Contains("could not be processed", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rekey_CopyFailsMidRun_ReportsTheFileAndARerunFixesIt()
    {
        var files = await _cli.PutFilesAsync(ConfA, 4);
        var faulty = new FaultInjectingObjectStore(_cli.Store).FailNext(ObjectStoreOperation.Copy, 1, ObjectStoreErrorKind.Transient, "injected: connection reset");

        var (code, output, _) = await MaintenanceCli.RunAsync(faulty, CancellationToken.None, "rekey", ConfRotating);

        Assert.Equal(1, code);
        Assert.Contains("ERROR: ", output, StringComparison.Ordinal);
        Assert.Contains("injected: connection reset; left as it was", output, StringComparison.Ordinal);
        Assert.Contains("3 re-keyed", output, StringComparison.Ordinal);

        var (again, againOut, _) = await _cli.RunAsync("rekey", ConfRotating);
        Assert.Equal(0, again);
        Assert.Contains("1 re-keyed, 3 already current", againOut, StringComparison.Ordinal);
        await _cli.AssertReadableAsync(ConfB, files);
    }

    [Fact]
    public async Task Rekey_InterruptedAfterSomeFiles_Exits130AndARerunFinishes()
    {
        // Cancelled at the 6th write, with up to 16 files in flight (rekey's concurrency) that may still finish: at
        // most 5 + 16 = 21 files are re-keyed, so with 24 some are always left for the rerun, however threads run.
        var files = await _cli.PutFilesAsync(ConfA, 24, size: 5000);
        using var cts = new CancellationTokenSource();
        var cancelling = new InterceptingObjectStore(_cli.Store).CancelAfterWrites(6, cts);

        var (code, output, err) = await MaintenanceCli.RunAsync(cancelling, cts.Token, "rekey", ConfRotating);

        Assert.Equal(130, code);
        Assert.Contains("interrupted with", err, StringComparison.Ordinal);
        Assert.Contains("run the same command again", err, StringComparison.Ordinal);
        Assert.Contains("rekey: ", output, StringComparison.Ordinal);
        var (again, againOut, againErr) = await _cli.RunAsync("rekey", ConfRotating);
        Assert.True(again == 0, againErr);
        Assert.DoesNotContain(" 0 re-keyed", againOut, StringComparison.Ordinal);
        await _cli.AssertReadableAsync(ConfB, files);
    }

    [Fact]
    public async Task Rekey_SseCRotation_MovesFilesToTheNewCustomerKey()
    {
        var oldSse = _cli.NewKey("old.ssec");
        var newSse = _cli.NewKey("new.ssec");
        using var oldKey = new CustomerKey(Convert.FromBase64String(File.ReadAllText(oldSse).Trim()));
        using var newKey = new CustomerKey(Convert.FromBase64String(File.ReadAllText(newSse).Trim()));
        _cli.Store.CustomerKey = oldKey; // the store of a mount configured with the old SSE-C key
        var files = await _cli.PutFilesAsync(_cli.Options($"master_key = file:{_keyB}\nprefix = vol\nsse = c\nsse_c_key = {oldSse}\n", "old-sse.conf"), 3);
        _cli.Store.CustomerKey = newKey;
        var conf = _cli.Options($"master_key = file:{_keyB}\nprefix = vol\nsse = c\nsse_c_key = {newSse}\nsse_c_old_keys = {oldSse}\n", "new-sse.conf");

        var (code, output, err) = await MaintenanceCli.RunAsync(new CustomerKeyFallbackStore(_cli.Store, [oldKey]), CancellationToken.None, "rekey", conf);

        Assert.True(code == 0, err);
        Assert.Contains($"re-keyed: SSE-C key md5:{oldKey.KeyMd5Base64} -> md5:{newKey.KeyMd5Base64}", output, StringComparison.Ordinal);
        Assert.Contains(".s3cfs/volume.json: re-keyed: SSE-C key", output, StringComparison.Ordinal);
        Assert.Equal(4, _cli.Store.Keys.Count);
        Assert.All(_cli.Store.Keys, k => Assert.Equal(newKey.KeyMd5Base64, _cli.Store.Peek(k)!.CustomerKeyMd5));
        await _cli.AssertReadableAsync(conf, files); // the harness's store has no fallback: only the new key opens anything
    }

    [Fact]
    public async Task Rekey_NothingToRotateConfigured_IsAUsageError()
    {
        var (code, _, err) = await _cli.RunAsync("rekey", _cli.Options("encryption = none\n"));

        Assert.Equal(2, code);
        Assert.Contains("nothing to rotate", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rekey_ReadOnly_RefusesUnlessDryRun()
    {
        var conf = _cli.Options($"master_key = file:{_keyB}\nold_keys = file:{_keyA}\nread_only = true\n");

        Assert.Equal(2, (await _cli.RunAsync("rekey", conf)).Code);
        Assert.Equal(0, (await _cli.RunAsync("rekey", conf, "--dry-run")).Code);
    }

    [Fact]
    public async Task Rekey_Help_PrintsUsage()
    {
        var (code, output, _) = await _cli.RunAsync("rekey", "--help");

        Assert.Equal(0, code);
        Assert.StartsWith("usage: s3cfs rekey <options-file> [path] [--dry-run]", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rekey_DotDotPath_IsAUsageError()
    {
        var (code, _, err) = await _cli.RunAsync("rekey", ConfRotating, "a/../b");

        Assert.Equal(2, code);
        Assert.Contains("'..' component", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GeneralHelp_ListsTheMaintenanceCommands()
    {
        var (_, output, _) = await _cli.RunAsync("--help");

        Assert.Contains("rekey", output, StringComparison.Ordinal);
        Assert.Contains("verify", output, StringComparison.Ordinal);
        Assert.Contains("migrate", output, StringComparison.Ordinal);
    }

    [Fact]
    public void CustomerKeyFile_IsTheSameKeyTheHarnessUses()
    {
        // The SSE-C test reads the key files the way the CLI does; guard that assumption.
        var path = _cli.NewKey("check.ssec");
        using var secret = FileMasterKey.ReadKeyFile(path, "SSE-C key file");
        Assert.Equal(Convert.FromBase64String(File.ReadAllText(path).Trim()), secret.Span.ToArray());
    }
}
