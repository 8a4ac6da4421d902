using Microsoft.Extensions.Logging;
using S3Fs.Core.Storage;
using S3Fs.Dokan.Interop;
using S3Fs.Dokan.Tests.Harness;
using S3Fs.Testing.Storage;
using static S3Fs.Dokan.Tests.Harness.DokanHarness;

namespace S3Fs.Dokan.Tests.Operations;

/// <summary>Failures below the adapter reach Windows as the mapped NTSTATUS, and nothing escapes as an exception.</summary>
public class ErrorTests
{
    [Fact]
    public async Task ReadFile_StoreFailure_IsIoDeviceError()
    {
        var faults = new FaultInjectingObjectStore(new InMemoryObjectStore());
        await using var h = new DokanHarness(faults, "mnt/");
        h.WriteAll("\\f.txt", StoreObjects.Bytes("data"));
        await h.RemountAsync();

        faults.FailNext(ObjectStoreOperation.GetRange, 1, ObjectStoreErrorKind.Other, "injected");
        using var open = h.Open("\\f.txt", ReadAccess, WinNT.FILE_OPEN);
        var status = h.Operations.ReadFile("\\f.txt", new byte[10], out var read, 0, open.Info);

        Assert.Equal(NtStatus.IoDeviceError, status);
        Assert.Equal(0, read);
    }

    [Fact]
    public async Task CreateFile_AccessDeniedByTheStore_IsAccessDenied()
    {
        var faults = new FaultInjectingObjectStore(new InMemoryObjectStore());
        await using var h = new DokanHarness(faults, "mnt/");

        faults.FailNext(ObjectStoreOperation.Put, 1, ObjectStoreErrorKind.AccessDenied, "no PutObject permission");
        var status = h.MkDir("\\d");

        Assert.Equal(NtStatus.AccessDenied, status);
    }

    [Fact]
    public async Task FlushFileBuffers_UploadRejected_ReportsTheFailureAndKeepsTheData()
    {
        var faults = new FaultInjectingObjectStore(new InMemoryObjectStore());
        await using var h = new DokanHarness(faults, "mnt/");
        using (var open = h.Open("\\f.txt", ReadWriteAccess, WinNT.FILE_CREATE))
        {
            Assert.Equal(NtStatus.Success, open.Write(0, StoreObjects.Bytes("precious")));
            faults.FailNext(ObjectStoreOperation.Put, 1, ObjectStoreErrorKind.Transient, "S3 down");

            Assert.Equal(NtStatus.IoDeviceError, h.Operations.FlushFileBuffers("\\f.txt", open.Info));
        }

        Assert.Equal("precious", StoreObjects.Text(h.ReadAll("\\f.txt")));
    }

    [Fact]
    public async Task Operation_UnexpectedException_IsInternalErrorAndLogged()
    {
        var logger = new ListLogger();
        await using var h = new DokanHarness(new ThrowingStore(), "mnt/", logger: logger);

        using var open = h.Open("\\anything", ReadAccess, WinNT.FILE_OPEN);

        Assert.Equal(NtStatus.InternalError, open.Status);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("CreateFile", StringComparison.Ordinal) && e.Exception is NotImplementedException);
    }

    /// <summary>A store whose every call fails with an exception the core does not translate: a bug, as the adapter sees it.</summary>
    private sealed class ThrowingStore : IObjectStore
    {
        public string Bucket => "throwing";

        public ObjectStoreCapabilities Capabilities => new InMemoryObjectStore().Capabilities;

        public ValueTask<ObjectInfo> HeadAsync(HeadRequest request, CancellationToken cancellationToken) => throw new NotImplementedException("head");

        public ValueTask<GetRangeResult> GetRangeAsync(GetRangeRequest request, Memory<byte> destination, CancellationToken cancellationToken) => throw new NotImplementedException();

        public ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken) => throw new NotImplementedException();

        public ValueTask<IMultipartUpload> StartMultipartUploadAsync(MultipartUploadRequest request, CancellationToken cancellationToken) => throw new NotImplementedException();

        public ValueTask<PutResult> CopyAsync(CopyRequest request, CancellationToken cancellationToken) => throw new NotImplementedException();

        public ValueTask<ListPage> ListAsync(ListRequest request, CancellationToken cancellationToken) => throw new NotImplementedException("list");

        public ValueTask DeleteAsync(string key, CancellationToken cancellationToken) => throw new NotImplementedException();

        public ValueTask<DeleteResult> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken) => throw new NotImplementedException();
    }
}
