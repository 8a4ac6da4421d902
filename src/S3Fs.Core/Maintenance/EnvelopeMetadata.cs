using S3Fs.Core.Storage;
using S3Fs.Crypto.Format;

namespace S3Fs.Core.Maintenance;

/// <summary>
/// An object's metadata with its envelope set or replaced and everything else kept as it was: POSIX attributes,
/// xattrs, other tools' fields, the content type. Used where maintenance rewrites objects in place.
/// </summary>
internal static class EnvelopeMetadata
{
    /// <summary><paramref name="metadata"/> with every <c>s3cfs-*</c> field replaced by <paramref name="envelope"/>'s.</summary>
    public static ObjectMetadata With(ObjectMetadata metadata, ObjectEnvelope envelope)
        => With(metadata, EnvelopeCodec.Encode(envelope));

    /// <summary><paramref name="metadata"/> with every <c>s3cfs-*</c> field replaced by <paramref name="envelopeFields"/>.</summary>
    public static ObjectMetadata With(ObjectMetadata metadata, IReadOnlyDictionary<string, string> envelopeFields)
    {
        var user = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in metadata.UserMetadata)
        {
            if (!name.StartsWith(MetadataKeys.Prefix, StringComparison.OrdinalIgnoreCase))
            {
                user[name] = value;
            }
        }

        foreach (var (name, value) in envelopeFields)
        {
            user[name] = value;
        }

        return metadata with { UserMetadata = user };
    }

    /// <summary>Null when <paramref name="metadata"/> fits the server's user-metadata budget, else why not.</summary>
    public static string? CheckBudget(ObjectMetadata metadata, ObjectStoreCapabilities capabilities)
    {
        var size = metadata.UserMetadataSize();
        return size <= capabilities.MaxUserMetadataBytes
            ? null
            : $"its metadata with the new envelope would be {size} bytes, over the {capabilities.MaxUserMetadataBytes} bytes S3 allows (remove some extended attributes, or use a key whose wrapped keys are shorter)";
    }

    /// <summary>How a master key is named in reports: <c>provider:key id</c> (both safe to show).</summary>
    public static string KeyName(string provider, string keyId) => $"{provider}:{keyId}";
}
