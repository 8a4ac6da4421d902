using Microsoft.Extensions.Logging;
using S3Fs.Core.Content;
using S3Fs.Core.Namespace;

namespace S3Fs.Core.FileSystem;

/// <summary>
/// Filling the kernel's page cache of files read at random (<see cref="FileSystemOptions.RandomReadFillMaxSize"/>).
/// Coherency rests on one rule: a fill runs only while nothing can change the file. Starting one requires no handle
/// open for writing (counted under <see cref="Node.FillLock"/>) and clean content; an open for writing and a
/// truncation count as writers and stop the fill before they go on (<see cref="IPageCacheFill.StopAsync"/> returns
/// only when no store can follow), and the last close stops it before the content goes away.
/// </summary>
public sealed partial class S3FileSystem
{
    public IKernelPageCache? KernelPageCache { get; set; }

    /// <summary>The running fill of <paramref name="inode"/>, if any (tests).</summary>
    internal IPageCacheFill? PageFillOf(long inode)
    {
        var node = _inodes.Get(inode);
        lock (node.FillLock)
        {
            return node.PageFill;
        }
    }

    /// <summary>
    /// Completes when the page cache fill of <paramref name="inode"/> has offered every block to the kernel or has
    /// stopped; at once when none runs (diagnostics and tests: what a reader can expect to be served from memory).
    /// </summary>
    public Task WaitForPageCacheFillAsync(long inode) => PageFillOf(inode)?.Completion ?? Task.CompletedTask;

    /// <summary>After a read was served the ordinary way: counts it, and starts the fill of a file read at random.</summary>
    private void NoteRead(FileHandle handle, long offset, int length)
    {
        if (KernelPageCache is not { } cache || _options.RandomReadFillMaxSize <= 0 || length <= 0)
        {
            return;
        }

        var node = handle.Node;
        lock (node.FillLock)
        {
            if (node.PageFill is not null)
            {
                return; // its reads are fed to it before they are served (IPageCacheFill.BeforeRead)
            }

            if (handle.Reads.Continues(offset, length, node.Content?.Size ?? long.MaxValue))
            {
                node.SequentialReads++;
                return;
            }

            node.RandomReads++;
            if (node.RandomReads < _options.RandomReadsBeforeFill || node.RandomReads <= node.SequentialReads || node.WriteHandles > 0
                || node.Content is not { } content || content.Size > _options.RandomReadFillMaxSize)
            {
                return;
            }

            var inode = node.Inode;
            node.PageFill = content.StartPageCacheFill((at, data) => cache.Store(inode, at, data));
            if (node.PageFill is not null)
            {
                LogPageFillStarted(_logger, node.ToString(), content.Size);
            }
        }
    }

    /// <summary>A writer (an open for writing, a truncation) begins: stops any fill; once this returns none can start until <see cref="EndWriter"/>.</summary>
    private static async ValueTask BeginWriterAsync(Node node)
    {
        IPageCacheFill? fill;
        lock (node.FillLock)
        {
            node.WriteHandles++;
            fill = TakeFill(node);
        }

        if (fill is not null)
        {
            await fill.StopAsync().ConfigureAwait(false);
        }
    }

    private static void EndWriter(Node node)
    {
        lock (node.FillLock)
        {
            node.WriteHandles--;
        }
    }

    /// <summary>The last handle closed: the fill stops (its content is about to go away, and the next open invalidates the kernel's cache anyway).</summary>
    private static async ValueTask StopPageFillAsync(Node node)
    {
        IPageCacheFill? fill;
        lock (node.FillLock)
        {
            fill = TakeFill(node);
        }

        if (fill is not null)
        {
            await fill.StopAsync().ConfigureAwait(false);
        }
    }

    private static IPageCacheFill? TakeFill(Node node)
    {
        var fill = node.PageFill;
        node.PageFill = null;
        node.RandomReads = node.SequentialReads = 0;
        return fill;
    }

    [LoggerMessage(EventId = 1403, Level = LogLevel.Debug, Message = "{Node} ({Size} bytes) is read at random: copying it into the kernel's page cache")]
    private static partial void LogPageFillStarted(ILogger logger, string node, long size);
}
