using System.Diagnostics;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// Runs programs as a user would (s3cfs, bash scripts of coreutils, tar, rsync, sqlite3...) with a hang timeout:
/// a process that outlives it is killed with its children and the test fails with what it printed so far.
/// </summary>
public static class Proc
{
    /// <summary>Default bound for one command; generous for a busy 2-core machine, reached only when something hangs.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    public sealed record Result(string Command, int ExitCode, string StdOut, string StdErr)
    {
        public override string ToString() => $"'{Command}' exited {ExitCode}\n--- stdout:\n{StdOut}\n--- stderr:\n{StdErr}";
    }

    public static async Task<Result> RunAsync(
        string file,
        IEnumerable<string> args,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var psi = StartInfo(file, args, environment, workingDirectory);
        var command = Describe(psi);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"'{command}' hung for {(timeout ?? DefaultTimeout).TotalSeconds:0} s\n--- stdout:\n{await stdout}\n--- stderr:\n{await stderr}");
        }

        return new Result(command, process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a bash script (with -e -u -o pipefail) in <paramref name="workingDirectory"/>.</summary>
    public static Task<Result> BashAsync(string script, string workingDirectory, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null) =>
        RunAsync("bash", ["-euo", "pipefail", "-c", script], timeout, environment, workingDirectory);

    /// <summary>Runs a bash script that must succeed; returns its standard output.</summary>
    public static async Task<string> CheckBashAsync(string script, string workingDirectory, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var result = await BashAsync(script, workingDirectory, timeout, environment);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StdOut;
    }

    /// <summary>
    /// Starts a long-running bash script (a process that holds a file open, a background command) and waits until
    /// it prints <paramref name="readyLine"/>. The caller owns the process and must end it.
    /// </summary>
    public static async Task<Process> StartBashAsync(string script, string workingDirectory, string readyLine, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = Process.Start(StartInfo("bash", ["-euo", "pipefail", "-c", script], environment, workingDirectory))
            ?? throw new InvalidOperationException("could not start bash");
        try
        {
            using var cts = new CancellationTokenSource(DefaultTimeout);
            while (await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
            {
                if (line == readyLine)
                {
                    return process;
                }
            }

            await process.WaitForExitAsync(cts.Token);
            throw new InvalidOperationException($"the script exited {process.ExitCode} before printing '{readyLine}': {await process.StandardError.ReadToEndAsync(cts.Token)}");
        }
        catch
        {
            await StopAsync(process);
            throw;
        }
    }

    /// <summary>Kills a process this test started (and its children) and waits for it.</summary>
    public static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync().WaitAsync(DefaultTimeout);
        process.Dispose();
    }

    private static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment, string? workingDirectory)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["LC_ALL"] = "C"; // stable tool output and error texts
        psi.Environment["TZ"] = "UTC";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }

        return psi;
    }

    private static string Describe(ProcessStartInfo psi)
    {
        var text = psi.FileName + " " + string.Join(' ', psi.ArgumentList);
        return text.Length > 300 ? text[..300] + "..." : text;
    }
}
