using System.Diagnostics;
using System.Net;

namespace S3Fs.Testing;

/// <summary>
/// The local Ceph RGW that integration tests run against. Reads the env file written by
/// <c>scripts/rgw-start.sh</c> (path in <c>S3FS_TEST_ENV</c>, default <c>/tmp/s3cfs-rgw/env</c>); if the file is
/// missing or the endpoint does not answer, runs that script once per process, under a file lock so parallel test
/// processes do not start two clusters. Any endpoint that is not loopback is refused: these tests create and delete
/// objects freely and must never reach a real bucket.
/// </summary>
public sealed class RgwEnvironment
{
    /// <summary>Default env file of scripts/rgw-start.sh.</summary>
    public const string DefaultEnvFile = "/tmp/s3cfs-rgw/env";

    /// <summary>A cold cluster start takes ~5-15 s; 3 minutes covers a slow, busy machine.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static RgwEnvironment? _shared;

    private RgwEnvironment(IReadOnlyDictionary<string, string> values)
    {
        Endpoint = new Uri(Require(values, "S3_ENDPOINT"));
        Bucket = Require(values, "S3_BUCKET");
        AccessKeyId = Require(values, "AWS_ACCESS_KEY_ID");
        SecretAccessKey = Require(values, "AWS_SECRET_ACCESS_KEY");
        Region = values.GetValueOrDefault("AWS_DEFAULT_REGION") ?? "us-east-1";
        KmsKeyIds = (values.GetValueOrDefault("RGW_KMS_KEY_IDS") ?? string.Empty)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!IsLoopback(Endpoint))
        {
            throw new InvalidOperationException(
                $"The test S3 endpoint {Endpoint} is not loopback. Integration tests only ever contact 127.0.0.1: point S3FS_TEST_ENV at the env file of scripts/rgw-start.sh.");
        }
    }

    public Uri Endpoint { get; }

    public string Bucket { get; }

    public string AccessKeyId { get; }

    public string SecretAccessKey { get; }

    public string Region { get; }

    /// <summary>SSE-KMS key ids of RGW's "testing" KMS backend (testkey-1, testkey-2).</summary>
    public IReadOnlyList<string> KmsKeyIds { get; }

    /// <summary>The environment for this process (loaded, or started, once).</summary>
    public static async Task<RgwEnvironment> GetAsync()
    {
        if (_shared is { } ready)
        {
            return ready;
        }

        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return _shared ??= await LoadOrStartAsync().ConfigureAwait(false);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A fresh key prefix for one test, so parallel tests and runs never collide.</summary>
    public static string UniquePrefix(string testName) => $"test/{testName}/{Guid.NewGuid():N}/";

    /// <summary>Reads and validates an env file without contacting the server (loopback is enforced).</summary>
    public static RgwEnvironment FromFile(string path) => new(ParseEnvFile(path));

    public static string EnvFilePath => Environment.GetEnvironmentVariable("S3FS_TEST_ENV") is { Length: > 0 } p ? p : DefaultEnvFile;

    private static async Task<RgwEnvironment> LoadOrStartAsync()
    {
        var path = EnvFilePath;
        if (File.Exists(path))
        {
            var env = new RgwEnvironment(ParseEnvFile(path));
            if (await AnswersAsync(env.Endpoint).ConfigureAwait(false))
            {
                return env;
            }
        }

        await StartAsync(path).ConfigureAwait(false);
        var started = new RgwEnvironment(ParseEnvFile(path));
        if (!await AnswersAsync(started.Endpoint).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"scripts/rgw-start.sh finished but {started.Endpoint} does not answer; see the logs under {Path.GetDirectoryName(path)}/log.");
        }

        return started;
    }

    private static async Task StartAsync(string envPath)
    {
        var script = FindStartScript();
        var lockPath = Path.Combine(Path.GetTempPath(), "s3cfs-rgw-start.lock");
        await using var lockFile = await AcquireLockAsync(lockPath).ConfigureAwait(false);

        // Another process may have started it while we waited for the lock.
        if (File.Exists(envPath) && await AnswersAsync(new RgwEnvironment(ParseEnvFile(envPath)).Endpoint).ConfigureAwait(false))
        {
            return;
        }

        var psi = new ProcessStartInfo("bash", [script])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        psi.Environment["RGW_BASE"] = Path.GetDirectoryName(Path.GetFullPath(envPath))!;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not run {script}.");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed with exit code {process.ExitCode}: {await stderr.ConfigureAwait(false)}{await stdout.ConfigureAwait(false)}");
        }
    }

    private static async Task<FileStream> AcquireLockAsync(string path)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200).ConfigureAwait(false);
            }
        }
    }

    private static string FindStartScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "S3Fs.sln")))
            {
                return Path.Combine(dir.FullName, "scripts", "rgw-start.sh");
            }
        }

        throw new InvalidOperationException($"No S3Fs.sln above {AppContext.BaseDirectory}: cannot find scripts/rgw-start.sh to start the test RGW.");
    }

    private static async Task<bool> AnswersAsync(Uri endpoint)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await client.GetAsync(endpoint).ConfigureAwait(false);
            return response.StatusCode != HttpStatusCode.ServiceUnavailable;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>Parses <c>export NAME=value</c> lines (optionally quoted); comments and blanks are skipped.</summary>
    public static Dictionary<string, string> ParseEnvFile(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line["export ".Length..].TrimStart();
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
            {
                value = value[1..^1];
            }

            values[line[..eq]] = value;
        }

        return values;
    }

    private static bool IsLoopback(Uri endpoint)
        => endpoint.IsLoopback || (IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static string Require(IReadOnlyDictionary<string, string> values, string name)
        => values.TryGetValue(name, out var v) && v.Length > 0
            ? v
            : throw new InvalidOperationException($"The RGW env file {EnvFilePath} has no {name}; regenerate it with scripts/rgw-start.sh.");
}
