using S3Fs.Cli.Options;
using S3Fs.Cli.Tests.Commands;
using S3Fs.Cli.Volumes;
using S3Fs.Core.Volume;
using S3Fs.Crypto.Keys;

namespace S3Fs.Cli.Tests.Volumes;

public sealed class VolumeOpenerTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private OptionSet Options(string text) => OptionSet.Load(_cli.Options(text), []);

    private ValueTask<OpenVolume> OpenAsync(string text, bool forWriting) =>
        VolumeOpener.OpenAsync(Options(text), _cli.Services, forWriting, CancellationToken.None);

    [Fact]
    public async Task Open_ForWriting_CreatesDescriptorWithBlockSize()
    {
        var key = _cli.NewKey();
        await using (var v = await OpenAsync($"prefix = vol\nmaster_key = file:{key}\nblock_size = 16KiB\n", forWriting: true))
        {
            Assert.True(v.Encrypt);
            Assert.Equal(16384, v.BlockSize);
            Assert.NotNull(v.Ciphers);
        }

        var found = await new VolumeDescriptorStore(_cli.Store).FindAsync("vol/", CancellationToken.None);
        Assert.NotNull(found);
        Assert.Equal(16384, found.Value.Descriptor.BlockSize);
        Assert.Equal("vol/", found.Value.RootPrefix);
        Assert.Null(found.Value.Descriptor.PassphraseKdf);
    }

    [Fact]
    public async Task Open_ForReading_DoesNotWriteTheBucket()
    {
        var key = _cli.NewKey();
        await using (await OpenAsync($"master_key = file:{key}\n", forWriting: false))
        {
        }

        var page = await _cli.Store.ListAsync(new Core.Storage.ListRequest("") { Delimiter = null }, CancellationToken.None);
        Assert.Empty(page.Objects);
    }

    [Fact]
    public async Task Open_SubfolderOfVolume_UsesTheVolumesBlockSize()
    {
        var key = _cli.NewKey();
        await using (await OpenAsync($"prefix = vol\nmaster_key = file:{key}\nblock_size = 16KiB\n", forWriting: true))
        {
        }

        await using var sub = await OpenAsync($"prefix = vol/deep/er\nmaster_key = file:{key}\n", forWriting: true);
        Assert.Equal(16384, sub.BlockSize);
        Assert.Equal("vol/deep/er/", sub.Prefix);
    }

    [Fact]
    public async Task Open_DifferentBlockSizeThanVolume_IsRefusedWithRemedy()
    {
        var key = _cli.NewKey();
        await using (await OpenAsync($"master_key = file:{key}\nblock_size = 16KiB\n", forWriting: true))
        {
        }

        var e = await Assert.ThrowsAsync<OptionsException>(async () => await OpenAsync($"master_key = file:{key}\nblock_size = 64KiB\n", forWriting: true));
        Assert.Contains("block_size is 64KiB but the volume at s3://cli-test/ uses 16KiB", e.Message);
        Assert.Contains("remove block_size", e.Message);
    }

    [Fact]
    public async Task Open_PlainMountOnEncryptedVolume_RefusesToWrite()
    {
        var key = _cli.NewKey();
        await using (await OpenAsync($"master_key = file:{key}\n", forWriting: true))
        {
        }

        var e = await Assert.ThrowsAsync<OptionsException>(async () => await OpenAsync("encryption = none\n", forWriting: true));
        Assert.Contains("is an encrypted volume", e.Message);
        await using var reader = await OpenAsync("encryption = none\n", forWriting: false);
        Assert.False(reader.Encrypt);
    }

    [Fact]
    public async Task Open_ClientWithoutMasterKey_SaysHowToMakeOne()
    {
        var e = await Assert.ThrowsAsync<OptionsException>(async () => await OpenAsync("", forWriting: true));
        Assert.Contains("encryption = client needs a master_key", e.Message);
        Assert.Contains("s3cfs keygen", e.Message);
    }

    [Fact]
    public async Task Open_MissingKeyFile_NamesIt()
    {
        var missing = Path.Combine(_cli.Directory, "nope.key");
        var e = await Assert.ThrowsAnyAsync<Exception>(async () => await OpenAsync($"master_key = file:{missing}\n", forWriting: false));
        Assert.Contains(missing, e.Message);
    }

    [Fact]
    public async Task Open_KeyFileReadableByOthers_IsRefused()
    {
        var key = _cli.NewKey();
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var e = await Assert.ThrowsAsync<KeyConfigurationException>(async () => await OpenAsync($"master_key = file:{key}\n", forWriting: false));
        Assert.Contains("chmod 600", e.Message);
    }

    [Fact]
    public async Task Open_RelativeKeyPath_IsResolvedAgainstOptionsFile()
    {
        _cli.NewKey("rel.key");
        await using var v = await OpenAsync("master_key = file:rel.key\n", forWriting: false);
        Assert.NotNull(v.Keys);
    }

    [Fact]
    public async Task Open_Passphrase_StoresKdfOnceAndDerivesSameKeyEverywhere()
    {
        var pass = Path.Combine(_cli.Directory, "pass");
        File.WriteAllText(pass, "correct horse battery staple\n");
        File.SetUnixFileMode(pass, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string firstId;
        await using (var v = await OpenAsync($"master_key = passphrase:{pass}\n", forWriting: true))
        {
            firstId = v.Keys!.Primary.KeyId;
        }

        var found = await new VolumeDescriptorStore(_cli.Store).FindAsync("", CancellationToken.None);
        Assert.NotNull(found!.Value.Descriptor.PassphraseKdf);
        await using var again = await OpenAsync($"master_key = passphrase:{pass}\n", forWriting: false);
        Assert.Equal(firstId, again.Keys!.Primary.KeyId);
    }

    [Fact]
    public async Task Open_PassphraseForReadingOnNewVolume_SaysToWriteOnceFirst()
    {
        var pass = Path.Combine(_cli.Directory, "pass");
        File.WriteAllText(pass, "correct horse battery staple\n");
        File.SetUnixFileMode(pass, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var e = await Assert.ThrowsAsync<OptionsException>(async () => await OpenAsync($"master_key = passphrase:{pass}\n", forWriting: false));
        Assert.Contains("has none yet", e.Message);
    }
}

public sealed class VolumeOpenerRsaTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Open_PublicKeyOnly_ForReading_IsRefusedWithRemedy_ButWritingWorks()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var pub = Path.Combine(_cli.Directory, "pub.pem");
        File.WriteAllText(pub, rsa.ExportSubjectPublicKeyInfoPem());
        File.SetUnixFileMode(pub, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var options = OptionSet.Load(_cli.Options($"master_key = rsa:{pub}\n"), []);
        await using (var writer = await VolumeOpener.OpenAsync(options, _cli.Services, forWriting: true, CancellationToken.None))
        {
            Assert.False(writer.Keys!.Primary.CanUnwrap);
        }

        var e = await Assert.ThrowsAsync<OptionsException>(async () => await VolumeOpener.OpenAsync(options, _cli.Services, forWriting: false, CancellationToken.None));
        Assert.Contains("can only wrap (an RSA public key)", e.Message);
        Assert.Contains("give the private key", e.Message);
    }
}
