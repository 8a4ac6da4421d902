using S3Fs.Fuse.Tests.Binding;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// How a mount made by the real <c>s3cfs mount</c> ends: <c>s3cfs unmount</c> refuses a busy mount, <c>--lazy</c>
/// detaches it and lets open files finish (and still waits until they are stored); SIGTERM to the serving process
/// stores a file that is still open for writing before the mount goes; <c>fusermount3 -u</c> ends the server cleanly.
/// </summary>
[Trait("Category", "Fuse")]
[Trait("Category", "S3")]
public sealed class UnmountTests
{
    /// <summary>Bound for the mount to disappear or the server to exit after it was asked to (flushes included).</summary>
    private static readonly TimeSpan EndTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Keeps <c>$M/log</c> open for appending until <c>$L/go</c> appears, then writes one more line and closes it.</summary>
    private const string Holder = """
        exec 3>> "$M/log"
        echo "S3CFS-E2E-MARKER first line, written while mounted" >&3
        echo ready
        while [ ! -e "$L/go" ]; do sleep 0.05; done
        echo "S3CFS-E2E-MARKER last line, written after the detach" >&3
        exec 3>&-
        """;

    [Fact]
    public async Task Unmount_BusyMount_IsRefusedAndLazyDetachesThenWaitsForTheOpenFile()
    {
        await using var s = await ShellScenario.StartAsync("busy-unmount");
        var holder = await s.StartScriptAsync(Holder, "ready");
        try
        {
            var refused = await s.Mount.S3cfsAsync("unmount", s.Mnt);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("busy", refused.StdErr, StringComparison.Ordinal);
            Assert.Contains("--lazy", refused.StdErr, StringComparison.Ordinal);
            Assert.True(s.Mount.IsMounted);
            Assert.Contains("first line", await s.InMountAsync("cat log"), StringComparison.Ordinal);

            var lazy = s.Mount.S3cfsAsync("unmount", "--lazy", s.Mnt);
            await WaitUntilAsync(() => !s.Mount.IsMounted, "the mount point to be detached");
            Assert.True(s.Mount.ServerAlive, "the server must keep serving the file that is still open");
            Assert.False(lazy.IsCompleted, "s3cfs unmount --lazy must wait until the open file is stored");

            s.Signal("go");
            await WaitForHolderAsync(holder, s);
            Assert.Equal(0, holder.ExitCode);
            var result = await WaitOrExplainAsync(lazy, s, "s3cfs unmount --lazy to return after the last file was closed");
            Assert.True(result.ExitCode == 0, result.ToString());
            await s.Mount.WaitForServerExitAsync(EndTimeout);
            Assert.Equal("ok", s.Mount.ServerStatus());
        }
        finally
        {
            await Proc.StopAsync(holder);
        }

        await s.Mount.MountAsync();
        Assert.Equal(
            "S3CFS-E2E-MARKER first line, written while mounted\nS3CFS-E2E-MARKER last line, written after the detach\n",
            await s.InMountAsync("cat log"));
    }

    [Fact]
    public async Task Sigterm_FileStillOpenForWriting_IsStoredBeforeTheMountGoes()
    {
        await using var s = await ShellScenario.StartAsync("sigterm");
        var holder = await s.StartScriptAsync(Holder, "ready");
        try
        {
            var kill = await Proc.RunAsync("kill", ["-TERM", s.Mount.ServerPid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            Assert.Equal(0, kill.ExitCode);
            await WaitUntilAsync(() => !s.Mount.IsMounted, "the server to flush and detach the mount after SIGTERM");

            // The file is still open in the holder; what it wrote must already be in S3, as a fresh mount sees it.
            await using (var fresh = await InProcessMount.StartAsync(s.Volume))
            {
                var stored = await File.ReadAllTextAsync(fresh.PathOf("log")).WaitAsync(EndTimeout);
                Assert.Equal("S3CFS-E2E-MARKER first line, written while mounted\n", stored);
            }

            s.Signal("go");
            await WaitForHolderAsync(holder, s);
            await s.Mount.WaitForServerExitAsync(EndTimeout);
            Assert.Equal("ok", s.Mount.ServerStatus());
        }
        finally
        {
            await Proc.StopAsync(holder);
        }
    }

    [Fact]
    public async Task Fusermount_Unmount_EndsTheServerCleanlyWithEverythingStored()
    {
        await using var s = await ShellScenario.StartAsync("fusermount");
        await s.InMountAsync("""
            head -c 3000000 /dev/urandom > data.bin
            sha256sum data.bin > "$L/sums"
            mkdir -p dir && echo 'S3CFS-E2E-MARKER in a directory' > dir/file
            """);
        var result = await Proc.RunAsync("fusermount3", ["-u", s.Mnt]);
        Assert.True(result.ExitCode == 0, result.ToString());
        await s.Mount.WaitForServerExitAsync(EndTimeout);
        Assert.Equal("ok", s.Mount.ServerStatus());
        Assert.False(TestMount.IsMounted(s.Mnt));

        await s.Mount.MountAsync();
        await s.InMountAsync("sha256sum -c --quiet \"$L/sums\"");
        Assert.Equal("S3CFS-E2E-MARKER in a directory\n", await s.InMountAsync("cat dir/file"));
    }

    /// <summary>
    /// Waits for the holder script to write its last line and close the file; if it does not, fails with what the
    /// holder is blocked in (its kernel wait channel and stack) and the mount's log, rather than a bare timeout.
    /// </summary>
    private static async Task WaitForHolderAsync(System.Diagnostics.Process holder, ShellScenario s)
    {
        try
        {
            await holder.WaitForExitAsync().WaitAsync(EndTimeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the holder (pid {holder.Id}) did not exit {EndTimeout.TotalSeconds:0} s after it was told to close the file; " +
                $"server alive: {s.Mount.ServerAlive}, mounted: {s.Mount.IsMounted}\n--- holder wchan: {ReadProc(holder.Id, "wchan")}\n" +
                $"--- holder stack:\n{ReadProc(holder.Id, "stack")}\n--- mount log:\n{s.Volume.LogTail(80)}");
        }
    }

    /// <summary>Awaits <paramref name="task"/>; on timeout fails with the server's state and the mount's log.</summary>
    private static async Task<T> WaitOrExplainAsync<T>(Task<T> task, ShellScenario s, string what)
    {
        try
        {
            return await task.WaitAsync(EndTimeout);
        }
        catch (TimeoutException)
        {
            var pid = s.Mount.ServerPid;
            var threads = Directory.Exists($"/proc/{pid}/task")
                ? string.Join('\n', Directory.GetDirectories($"/proc/{pid}/task").Select(t => $"{Path.GetFileName(t)} {ReadProc(pid, $"task/{Path.GetFileName(t)}/comm").Trim()} {ReadProc(pid, $"task/{Path.GetFileName(t)}/wchan")}"))
                : "(gone)";
            Assert.Fail($"timed out after {EndTimeout.TotalSeconds:0} s waiting for {what}; server pid {pid} alive: {s.Mount.ServerAlive}, " +
                $"mounted: {s.Mount.IsMounted}, status: {s.Mount.ServerStatus()}\n--- server threads:\n{threads}\n--- mount log:\n{s.Volume.LogTail(80)}");
            throw;
        }
    }

    private static string ReadProc(int pid, string file)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/{file}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"({e.Message})";
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + EndTimeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
