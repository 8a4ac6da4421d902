using S3Fs.Core.FileSystem;
using S3Fs.Core.Namespace;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Tests.Namespace;

/// <summary>The cached listing of a directory, and the parsed attributes a lookup shows for each name.</summary>
public sealed class DirectoryListingTests
{
    private static DirectoryListing Listing(params string[] names)
    {
        // Given out of order, as a listing's pages and common prefixes can interleave.
        var children = new Dictionary<string, ListedChild>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            children[name] = new ListedChild(name, FileKind.RegularFile, 1, new ETag("e-" + name), DateTimeOffset.UnixEpoch);
        }

        return new DirectoryListing(DateTimeOffset.UnixEpoch, children);
    }

    private static string[] Names(IEnumerable<ListedChild> children) => [.. children.Select(c => c.Name)];

    [Fact]
    public void ChildrenFrom_AKnownName_StartsAtItInOrdinalOrder()
    {
        var listing = Listing("f3", "a", "f1", "B", "f2", "z");

        Assert.Equal(["f1", "f2", "f3"], Names(listing.ChildrenFrom("f1", 3)));
        Assert.Equal(["B", "a", "f1", "f2", "f3", "z"], Names(listing.ChildrenFrom("B", 100)));
    }

    [Fact]
    public void ChildrenFrom_ANameNotListed_StartsAtTheNextOne()
    {
        var listing = Listing("f1", "f3", "f5");

        Assert.Equal(["f3", "f5"], Names(listing.ChildrenFrom("f2", 16)));
        Assert.Equal(["f1"], Names(listing.ChildrenFrom("", 1)));
        Assert.Empty(listing.ChildrenFrom("f6", 16));
        Assert.Empty(Listing().ChildrenFrom("f1", 16));
    }

    [Fact]
    public void ChildrenFrom_AfterChangesToTheListing_SeesThem()
    {
        var listing = Listing("f1", "f3");
        listing.Children["f2"] = new ListedChild("f2", FileKind.RegularFile, 0, default, DateTimeOffset.UnixEpoch);
        listing.Children.Remove("f3");

        Assert.Equal(["f1", "f2"], Names(listing.ChildrenFrom("f0", 16)));
    }

    [Fact]
    public void ChildrenFrom_ALargeDirectory_StartsAtTheNameAndStopsAtTheCount()
    {
        var names = Enumerable.Range(0, 10_000).Select(i => $"f{i:D5}").ToArray();
        var listing = Listing(names);

        Assert.Equal(["f09998", "f09999"], Names(listing.ChildrenFrom("f09998", 16)));
        Assert.Equal(names[5000..5016], Names(listing.ChildrenFrom("f05000", 16)));
    }

    [Fact]
    public void PosixAttributesOf_TheSameMetadata_ParsesOnceAndAgreesWithParse()
    {
        var md = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [PosixAttributes.ModeKey] = "33152",
            [PosixAttributes.UidKey] = "1000",
            [PosixAttributes.MTimeKey] = "1700000000.5",
        };

        var first = PosixAttributes.Of(md);
        Assert.Same(first, PosixAttributes.Of(md));
        Assert.Equal(PosixAttributes.Parse(md) with { XAttrs = first.XAttrs }, first);
        Assert.Equal(0x8180u, first.Mode);
        Assert.Equal(FileKind.RegularFile, first.Kind);

        // Another dictionary with other values is parsed on its own.
        var other = new Dictionary<string, string>(md, StringComparer.Ordinal) { [PosixAttributes.ModeKey] = "41471" };
        Assert.Equal(FileKind.Symlink, PosixAttributes.Of(other).Kind);
    }
}
