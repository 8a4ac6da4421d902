using System.Text;
using S3Fs.Core.Storage;

namespace S3Fs.Dokan.Tests.Harness;

/// <summary>Reads and writes objects behind the adapter's back, as another S3 client would.</summary>
public static class StoreObjects
{
    public static async Task<byte[]?> ReadAsync(IObjectStore store, string key)
    {
        ObjectInfo head;
        try
        {
            head = await store.HeadAsync(new HeadRequest(key), CancellationToken.None);
        }
        catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.NotFound)
        {
            return null;
        }

        var data = new byte[head.Size];
        if (head.Size > 0)
        {
            await store.GetRangeAsync(new GetRangeRequest(key, new ByteRange(0, head.Size)), data, CancellationToken.None);
        }

        return data;
    }

    public static async Task<string?> ReadTextAsync(IObjectStore store, string key) =>
        await ReadAsync(store, key) is { } data ? Encoding.UTF8.GetString(data) : null;

    public static Task PutTextAsync(IObjectStore store, string key, string text) =>
        store.PutAsync(new PutRequest(key, Encoding.UTF8.GetBytes(text)), CancellationToken.None).AsTask();

    public static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    public static string Text(byte[] b) => Encoding.UTF8.GetString(b);
}
