using System.Reflection;

namespace S3Fs.Core.Tests;

/// <summary>
/// The dependency rules of docs/ARCHITECTURE.md: Crypto references only the BCL; Core references Crypto and
/// logging abstractions but never the AWS SDK, the FUSE layer or the Dokan layer.
/// </summary>
public class ArchitectureTests
{
    private static readonly string[] ForbiddenInCore = ["AWSSDK", "S3Fs.Aws", "S3Fs.Fuse", "S3Fs.Dokan", "S3Fs.Cli", "s3cfs"];

    [Fact]
    public void Core_DoesNotReference_AwsSdkFuseOrDokan()
    {
        var refs = typeof(S3Fs.Core.Storage.IObjectStore).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        foreach (var name in refs)
        {
            Assert.False(
                ForbiddenInCore.Any(f => name.StartsWith(f, StringComparison.OrdinalIgnoreCase)),
                $"S3Fs.Core references {name}; the core must stay free of the AWS SDK, FUSE and Dokan.");
        }
    }

    [Fact]
    public void Crypto_ReferencesOnlyTheBcl()
    {
        var refs = typeof(S3Fs.Crypto.Keys.DataKey).Assembly.GetReferencedAssemblies();
        foreach (var r in refs)
        {
            Assert.True(
                r.Name!.StartsWith("System", StringComparison.Ordinal) || r.Name == "netstandard" || r.Name == "mscorlib",
                $"S3Fs.Crypto references {r.Name}; it may reference only the base class library.");
        }
    }

    [Fact]
    public void Core_ProjectFile_HasNoForbiddenReferences()
    {
        // The assembly check above only sees references the compiler kept; the project file shows intent too.
        var csproj = File.ReadAllText(Path.Combine(RepoRoot(), "src", "S3Fs.Core", "S3Fs.Core.csproj"));
        foreach (var f in ForbiddenInCore)
        {
            Assert.DoesNotContain(f, csproj, StringComparison.OrdinalIgnoreCase);
        }
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "S3Fs.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("S3Fs.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Assemblies_AreLoadable()
    {
        Assert.NotNull(Assembly.Load("S3Fs.Crypto"));
    }
}
