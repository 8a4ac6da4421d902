using S3Fs.Cli.Commands;
using S3Fs.Cli.Tests.Commands;
using S3Fs.Core.Storage;

namespace S3Fs.Cli.Tests.Maintenance;

/// <summary>Helpers shared by the maintenance command tests: local files, and runs over another store or with a token.</summary>
internal static class MaintenanceCli
{
    public static string LocalFile(this CliHarness cli, string name, byte[] content)
    {
        var path = Path.Combine(cli.Directory, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    public static byte[] Pattern(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Runs a command against <paramref name="store"/> (a decorator of the harness's store) with a cancellation token.</summary>
    public static Task<(int Code, string Out, string Err)> RunAsync(IObjectStore store, CancellationToken cancellationToken, params string[] args)
        => RunAsync(new CliHarness.InMemoryServices(store), cancellationToken, args);

    /// <summary>Runs a command with the given services and cancellation token.</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(IServiceFactory services, CancellationToken cancellationToken, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CommandLine.RunAsync(args, stdout, stderr, services, cancellationToken);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Puts <paramref name="count"/> files with the CLI and returns their contents by path.</summary>
    public static async Task<Dictionary<string, byte[]>> PutFilesAsync(this CliHarness cli, string conf, int count, int size = 70_000)
    {
        var files = new Dictionary<string, byte[]>();
        for (var i = 0; i < count; i++)
        {
            var path = i % 2 == 0 ? $"docs/f{i:D2}.bin" : $"f{i:D2}.bin";
            var data = Pattern(size + i, i);
            var (code, _, err) = await cli.RunAsync("put", conf, cli.LocalFile($"in{i}", data), path);
            Assert.True(code == 0, err);
            files[path] = data;
        }

        return files;
    }

    /// <summary>Gets each file with <paramref name="conf"/> and checks its bytes.</summary>
    public static async Task AssertReadableAsync(this CliHarness cli, string conf, IReadOnlyDictionary<string, byte[]> files)
    {
        foreach (var (path, data) in files)
        {
            var output = Path.Combine(cli.Directory, "got-" + Path.GetFileName(path));
            var (code, _, err) = await cli.RunAsync("get", conf, path, output);
            Assert.True(code == 0, $"get {path}: {err}");
            Assert.Equal(data, await File.ReadAllBytesAsync(output));
        }
    }
}
