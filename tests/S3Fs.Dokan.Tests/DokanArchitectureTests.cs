using System.Text.RegularExpressions;

namespace S3Fs.Dokan.Tests;

/// <summary>
/// The rules of docs/ARCHITECTURE.md that concern the Windows adapter: it depends on the core only, and it blocks on
/// asynchronous work in exactly one place (DokanBlocking), which nothing but the operations' runner calls.
/// </summary>
public partial class DokanArchitectureTests
{
    private static readonly string[] Forbidden = ["AWSSDK", "S3Fs.Aws", "S3Fs.Fuse", "S3Fs.Cli", "s3cfs"];

    [Fact]
    public void Dokan_ReferencesTheCoreButNotAwsFuseOrCli()
    {
        var references = typeof(DokanOperations).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("S3Fs.Core", references);
        foreach (var name in references)
        {
            Assert.False(Forbidden.Any(f => name.StartsWith(f, StringComparison.OrdinalIgnoreCase)), $"S3Fs.Dokan references {name}");
        }
    }

    [Fact]
    public void Dokan_BlocksOnlyInDokanBlocking()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoRoot(), "src", "S3Fs.Dokan"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) || Path.GetFileName(file) == "DokanBlocking.cs")
            {
                continue;
            }

            var text = File.ReadAllText(file);
            Assert.False(SyncWait().IsMatch(text), $"{file} waits synchronously; only DokanBlocking may");
            Assert.DoesNotContain("VSTHRD002", text, StringComparison.Ordinal);
            if (Path.GetFileName(file) != "DokanOperations.cs")
            {
                Assert.DoesNotContain("DokanBlocking.Run", text, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Dokan_FilesWithPointerCode_CarrySafetyComments()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoRoot(), "src", "S3Fs.Dokan"), "*.cs", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) || !text.Contains("unsafe", StringComparison.Ordinal))
            {
                continue;
            }

            // Files with pointer code must explain why each dereference is valid.
            var executesPointerCode = text.Contains("->", StringComparison.Ordinal) || text.Contains("NativeMemory", StringComparison.Ordinal) || text.Contains("new Span<", StringComparison.Ordinal);
            if (executesPointerCode)
            {
                Assert.Contains("// SAFETY:", text, StringComparison.Ordinal);
            }
        }
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "S3Fs.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("S3Fs.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"GetAwaiter\(\)\.GetResult\(\)|\.Wait\(|\.Result\b")]
    private static partial Regex SyncWait();
}
