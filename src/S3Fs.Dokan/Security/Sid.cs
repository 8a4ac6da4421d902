using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace S3Fs.Dokan.Security;

/// <summary>
/// A Windows security identifier in its binary form (winnt.h SID: Revision 1, SubAuthorityCount, a 6-byte big-endian
/// IdentifierAuthority, then little-endian 32-bit SubAuthorities), parsed from and printed as the "S-1-..." string.
/// Hand-written so the adapter builds security descriptors without any Windows API.
/// </summary>
public sealed class Sid : IEquatable<Sid>
{
    /// <summary>SID_MAX_SUB_AUTHORITIES (winnt.h).</summary>
    private const int MaxSubAuthorities = 15;

    /// <summary>S-1-1-0, "Everyone" (SDDL "WD").</summary>
    public static readonly Sid Everyone = Parse("S-1-1-0");

    /// <summary>S-1-5-11, "Authenticated Users" (SDDL "AU"): the owner shown when the mounting user is not known.</summary>
    public static readonly Sid AuthenticatedUsers = Parse("S-1-5-11");

    /// <summary>S-1-5-32-545, "BUILTIN\Users" (SDDL "BU"): the group shown when none is configured.</summary>
    public static readonly Sid BuiltinUsers = Parse("S-1-5-32-545");

    private readonly byte[] _bytes;

    private Sid(byte[] bytes) => _bytes = bytes;

    /// <summary>The binary form: 8 + 4 * SubAuthorityCount bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    public int Length => _bytes.Length;

    /// <summary>Parses "S-1-&lt;authority&gt;-&lt;sub&gt;-...", with an actionable message for anything else.</summary>
    public static Sid Parse(string text)
    {
        var parts = text.Split('-');
        if (parts.Length < 3 || !string.Equals(parts[0], "S", StringComparison.OrdinalIgnoreCase) || parts[1] != "1")
        {
            throw new FormatException($"'{text}' is not a security identifier: expected the form S-1-<authority>-<subauthority>... (for example S-1-5-21-...-1001)");
        }

        var subCount = parts.Length - 3;
        if (subCount > MaxSubAuthorities)
        {
            throw new FormatException($"'{text}' has {subCount} subauthorities; a SID has at most {MaxSubAuthorities}");
        }

        if (!ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var authority) || authority > 0xFFFF_FFFF_FFFF)
        {
            throw new FormatException($"'{text}': the identifier authority '{parts[2]}' must be a number below 2^48");
        }

        var bytes = new byte[8 + (4 * subCount)];
        bytes[0] = 1;
        bytes[1] = (byte)subCount;
        for (var i = 0; i < 6; i++)
        {
            bytes[2 + i] = (byte)(authority >> (8 * (5 - i)));
        }

        for (var i = 0; i < subCount; i++)
        {
            if (!uint.TryParse(parts[3 + i], NumberStyles.None, CultureInfo.InvariantCulture, out var sub))
            {
                throw new FormatException($"'{text}': subauthority '{parts[3 + i]}' must be a 32-bit unsigned number");
            }

            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8 + (4 * i)), sub);
        }

        return new Sid(bytes);
    }

    /// <summary>Reads a binary SID at the start of <paramref name="data"/>; null when it is not a well-formed revision-1 SID.</summary>
    public static Sid? TryRead(ReadOnlySpan<byte> data)
    {
        if (data.Length < 8 || data[0] != 1 || data[1] > MaxSubAuthorities)
        {
            return null;
        }

        var length = 8 + (4 * data[1]);
        return data.Length < length ? null : new Sid(data[..length].ToArray());
    }

    public void CopyTo(Span<byte> destination) => _bytes.CopyTo(destination);

    public bool Equals(Sid? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as Sid);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    public override string ToString()
    {
        ulong authority = 0;
        for (var i = 0; i < 6; i++)
        {
            authority = (authority << 8) | _bytes[2 + i];
        }

        var sb = new StringBuilder("S-1-").Append(authority.ToString(CultureInfo.InvariantCulture));
        for (var i = 0; i < _bytes[1]; i++)
        {
            sb.Append('-').Append(BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(8 + (4 * i))).ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }
}
