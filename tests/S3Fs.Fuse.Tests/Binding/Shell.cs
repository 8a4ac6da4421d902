using System.Diagnostics;

namespace S3Fs.Fuse.Tests.Binding;

/// <summary>Runs the tools a user would (ls, cp, mv, stat, setfattr, dd...) against the mount, with a hang timeout.</summary>
public static class Shell
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static async Task<Result> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["LC_ALL"] = "C"; // stable error texts ("No such file or directory")
        psi.Environment["TZ"] = "UTC";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TestMount.HangTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{file} {string.Join(' ', args)}' hung for {TestMount.HangTimeout.TotalSeconds:0} s");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a command that must succeed; returns its standard output.</summary>
    public static async Task<string> CheckAsync(string file, params string[] args)
    {
        var result = await RunAsync(file, args);
        Assert.True(result.ExitCode == 0, $"'{file} {string.Join(' ', args)}' exited {result.ExitCode}: {result.StdErr}");
        return result.StdOut;
    }

    /// <summary>Runs blocking file I/O against the mount off the test thread, failing instead of hanging forever.</summary>
    public static Task<T> IoAsync<T>(Func<T> io) => Task.Run(io).WaitAsync(TestMount.HangTimeout);

    public static Task IoAsync(Action io) => Task.Run(io).WaitAsync(TestMount.HangTimeout);
}
