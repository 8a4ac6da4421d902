using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace S3Fs.Crypto.Format;

/// <summary>
/// The random 128-bit id of one file. It goes into every block's AAD and into the derivation of the file's keys,
/// so blocks cannot move between files. It is bound to the file, not its path, so a rename (a server-side copy)
/// keeps it. Not secret.
/// </summary>
public readonly struct FileId : IEquatable<FileId>
{
    private readonly UInt128 _value;

    private FileId(UInt128 value)
    {
        _value = value;
    }

    /// <summary>A fresh id from the OS CSPRNG.</summary>
    public static FileId New()
    {
        Span<byte> bytes = stackalloc byte[FormatV1.FileIdSize];
        RandomNumberGenerator.Fill(bytes);
        return FromBytes(bytes);
    }

    public static FileId FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != FormatV1.FileIdSize)
        {
            throw new ArgumentException($"A file id is {FormatV1.FileIdSize} bytes; got {bytes.Length}.", nameof(bytes));
        }

        return new FileId(BinaryPrimitives.ReadUInt128BigEndian(bytes));
    }

    /// <summary>Parses exactly 32 lower-case hex digits (the envelope's canonical form).</summary>
    public static bool TryParseHex(string text, out FileId id)
    {
        id = default;
        if (text.Length != FormatV1.FileIdSize * 2)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        id = new FileId(UInt128.Parse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
        return true;
    }

    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt128BigEndian(destination, _value);

    public byte[] ToByteArray()
    {
        var bytes = new byte[FormatV1.FileIdSize];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>32 lower-case hex digits.</summary>
    public string ToHex() => _value.ToString("x32", CultureInfo.InvariantCulture);

    public override string ToString() => ToHex();

    public bool Equals(FileId other) => _value == other._value;

    public override bool Equals(object? obj) => obj is FileId other && Equals(other);

    public override int GetHashCode() => _value.GetHashCode();

    public static bool operator ==(FileId left, FileId right) => left.Equals(right);

    public static bool operator !=(FileId left, FileId right) => !left.Equals(right);
}
