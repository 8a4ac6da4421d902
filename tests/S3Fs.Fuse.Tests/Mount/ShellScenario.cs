namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// One shell-tool scenario: a fresh volume mounted by the real <c>s3cfs mount</c>, a local directory beside it for
/// reference copies, and bash scripts run in either, with <c>$M</c> (the mount) and <c>$L</c> (the local directory) set.
/// Trees are compared by fingerprint: type, mode, size, symlink target, optionally mtime, and the SHA-256 of each file.
/// </summary>
public sealed class ShellScenario : IAsyncDisposable
{
    private ShellScenario(MountVolume volume, CliMount mount)
    {
        Volume = volume;
        Mount = mount;
    }

    public MountVolume Volume { get; }

    public CliMount Mount { get; }

    /// <summary>The mount point.</summary>
    public string Mnt => Mount.Root;

    /// <summary>A local (non-FUSE) scratch directory for reference copies.</summary>
    public string Local => Path.Combine(Volume.Directory, "local");

    public static async Task<ShellScenario> StartAsync(string name, bool encrypted = true, string extraOptions = "", string? subfolder = null)
    {
        var volume = await MountVolume.CreateAsync(name, encrypted, extraOptions, subfolder);
        try
        {
            Directory.CreateDirectory(Path.Combine(volume.Directory, "local"));
            return new ShellScenario(volume, await CliMount.StartAsync(volume));
        }
        catch
        {
            await volume.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a script in the mount; it must succeed. Returns its output.</summary>
    public Task<string> InMountAsync(string script, TimeSpan? timeout = null) => Proc.CheckBashAsync(script, Mnt, timeout, Environment());

    /// <summary>Runs a script in the local directory; it must succeed.</summary>
    public Task<string> InLocalAsync(string script, TimeSpan? timeout = null) => Proc.CheckBashAsync(script, Local, timeout, Environment());

    /// <summary>Runs a script in the mount and returns its result, whatever the exit status.</summary>
    public Task<Proc.Result> TryInMountAsync(string script) => Proc.BashAsync(script, Mnt, null, Environment());

    public Task RemountAsync() => Mount.RemountAsync();

    /// <summary>
    /// Sorted listing of a tree from lstat (type, mode, size and, if asked, mtime in seconds of files; mode of directories;
    /// link targets) plus each file's SHA-256. Types come from lstat, not from readdir's d_type, which a listing can only guess.
    /// </summary>
    public Task<string> FingerprintAsync(string directory, bool withTimes) =>
        Proc.CheckBashAsync(
            $$"""
            find . -mindepth 1 -print0 | sort -z | xargs -0 -r stat -c '%F|%a|%s|%Y|%N' | awk -F'|' -v times={{(withTimes ? 1 : 0)}} '
                $1 ~ /regular/ { print "f", $2, $3, (times ? $4 : "-"), $5; next }
                $1 == "directory" { print "d", $2, $5; next }
                { print $1, $5 }'
            find . -mindepth 1 -print0 | sort -z | while IFS= read -r -d '' f; do if [ -f "$f" ] && [ ! -L "$f" ]; then sha256sum "$f"; fi; done
            """,
            directory,
            null,
            Environment());

    /// <summary>Asserts that two trees (paths absolute, or relative to the local directory) have the same fingerprint.</summary>
    public async Task AssertSameTreeAsync(string expected, string actual, bool withTimes)
    {
        var want = await FingerprintAsync(Path.Combine(Local, expected), withTimes);
        var got = await FingerprintAsync(Path.Combine(Local, actual), withTimes);
        Assert.False(string.IsNullOrWhiteSpace(want), $"{expected} is empty: the scenario compared nothing");
        var missing = want.Split('\n').Except(got.Split('\n')).ToList();
        var unexpected = got.Split('\n').Except(want.Split('\n')).ToList();
        Assert.True(
            missing.Count == 0 && unexpected.Count == 0,
            $"{actual} differs from {expected}\n--- only in {expected}:\n{string.Join('\n', missing)}\n--- only in {actual}:\n{string.Join('\n', unexpected)}");
    }

    /// <summary>The bucket checks of an encrypting volume (see <see cref="BucketAudit"/>).</summary>
    public Task<int> AuditAsync(IEnumerable<byte[]> plaintexts) => BucketAudit.AssertEncryptedAsync(Volume, plaintexts);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Mount.DisposeAsync();
        }
        finally
        {
            await Volume.DisposeAsync();
        }
    }

    /// <summary>Starts a long-running script (in the local directory) that prints <paramref name="readyLine"/> once set up; the caller ends it.</summary>
    public Task<System.Diagnostics.Process> StartScriptAsync(string script, string readyLine) => Proc.StartBashAsync(script, Local, readyLine, Environment());

    /// <summary>Creates a file in the local directory (the signal long-running scripts wait for).</summary>
    public void Signal(string name) => File.WriteAllText(Path.Combine(Local, name), string.Empty);

    private Dictionary<string, string> Environment() => new() { ["M"] = Mnt, ["L"] = Local };
}
