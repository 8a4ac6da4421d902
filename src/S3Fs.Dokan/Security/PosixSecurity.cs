using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using S3Fs.Dokan.Interop;

namespace S3Fs.Dokan.Security;

/// <summary>
/// Shows POSIX permission bits to Windows as a security descriptor, and reads them back from one, without any
/// Windows API. The descriptor (self-relative, winnt.h SECURITY_DESCRIPTOR_RELATIVE) has the configured owner and
/// group and a protected DACL of three ACCESS_ALLOWED ACEs: owner from the user bits, group from the group bits,
/// Everyone from the other bits. Every object of the bucket is reached with the mount's credentials, so the owner
/// shown is the mounting user (DokanMount sets its SID); POSIX uid and gid are not mapped to SIDs.
/// <para>
/// Rights per bit: r is FILE_GENERIC_READ, w is FILE_GENERIC_WRITE | DELETE | FILE_DELETE_CHILD, x is
/// FILE_GENERIC_EXECUTE (traverse on a directory). Everyone always keeps READ_CONTROL | SYNCHRONIZE |
/// FILE_READ_ATTRIBUTES (as POSIX lets anyone stat a file), and the owner always keeps WRITE_DAC | WRITE_OWNER |
/// FILE_WRITE_ATTRIBUTES (as POSIX lets the owner chmod and touch). Reading back, an allowed ACE grants r for
/// FILE_READ_DATA, w for FILE_WRITE_DATA and x for FILE_EXECUTE (or the generic rights); deny ACEs and ACEs for other
/// principals are ignored, so a mode survives the round trip exactly.
/// </para>
/// </summary>
public sealed class PosixSecurity(Sid owner, Sid group)
{
    // winnt.h: SECURITY_DESCRIPTOR_RELATIVE is 20 bytes; ACL header 8; ACCESS_ALLOWED_ACE header + mask 8, then the SID.
    private const int DescriptorHeaderSize = 20;
    private const int AclHeaderSize = 8;
    private const int AceFixedSize = 8;
    private const byte SecurityDescriptorRevision = 1;
    private const byte AclRevision = 2;
    private const byte AccessAllowedAceType = 0;
    private const byte InheritOnlyAce = 0x08;
    private const ushort SeDaclPresent = 0x0004;
    private const ushort SeDaclProtected = 0x1000;
    private const ushort SeSelfRelative = 0x8000;

    private const uint EveryoneBaseline = WinNT.READ_CONTROL | WinNT.SYNCHRONIZE | WinNT.FILE_READ_ATTRIBUTES;
    private const uint OwnerBaseline = EveryoneBaseline | WinNT.WRITE_DAC | WinNT.WRITE_OWNER | WinNT.FILE_WRITE_ATTRIBUTES;

    /// <summary>S-1-3-4 OWNER RIGHTS and S-1-3-0 CREATOR OWNER also stand for the owner when reading a DACL.</summary>
    private static readonly Sid OwnerRights = Sid.Parse("S-1-3-4");
    private static readonly Sid CreatorOwner = Sid.Parse("S-1-3-0");
    private static readonly Sid CreatorGroup = Sid.Parse("S-1-3-1");

    public Sid Owner { get; } = owner;

    public Sid Group { get; } = group;

    /// <summary>The access mask for one rwx triplet (bits 4, 2, 1).</summary>
    public static uint RightsFor(uint triplet, bool isOwner)
    {
        var mask = isOwner ? OwnerBaseline : EveryoneBaseline;
        if ((triplet & 4) != 0)
        {
            mask |= WinNT.FILE_GENERIC_READ;
        }

        if ((triplet & 2) != 0)
        {
            mask |= WinNT.FILE_GENERIC_WRITE | WinNT.DELETE | WinNT.FILE_DELETE_CHILD;
        }

        if ((triplet & 1) != 0)
        {
            mask |= WinNT.FILE_GENERIC_EXECUTE;
        }

        return mask;
    }

    /// <summary>The rwx triplet an access mask grants.</summary>
    public static uint TripletFor(uint mask)
    {
        uint bits = 0;
        if ((mask & (WinNT.FILE_READ_DATA | WinNT.GENERIC_READ | WinNT.GENERIC_ALL)) != 0)
        {
            bits |= 4;
        }

        if ((mask & (WinNT.FILE_WRITE_DATA | WinNT.GENERIC_WRITE | WinNT.GENERIC_ALL)) != 0)
        {
            bits |= 2;
        }

        if ((mask & (WinNT.FILE_EXECUTE | WinNT.GENERIC_EXECUTE | WinNT.GENERIC_ALL)) != 0)
        {
            bits |= 1;
        }

        return bits;
    }

    /// <summary>
    /// A self-relative security descriptor for <paramref name="mode"/> holding the parts <paramref name="requested"/>
    /// asks for (OWNER/GROUP/DACL_SECURITY_INFORMATION; there is never a SACL).
    /// </summary>
    public byte[] Build(uint mode, uint requested)
    {
        var withOwner = (requested & WinNT.OWNER_SECURITY_INFORMATION) != 0;
        var withGroup = (requested & WinNT.GROUP_SECURITY_INFORMATION) != 0;
        var withDacl = (requested & WinNT.DACL_SECURITY_INFORMATION) != 0;
        var aces = new (Sid Sid, uint Mask)[]
        {
            (Owner, RightsFor((mode >> 6) & 7, isOwner: true)),
            (Group, RightsFor((mode >> 3) & 7, isOwner: false)),
            (Sid.Everyone, RightsFor(mode & 7, isOwner: false)),
        };
        var aclSize = AclHeaderSize + aces.Sum(a => AceFixedSize + a.Sid.Length);
        var size = DescriptorHeaderSize + (withOwner ? Owner.Length : 0) + (withGroup ? Group.Length : 0) + (withDacl ? aclSize : 0);
        var sd = new byte[size];
        sd[0] = SecurityDescriptorRevision;
        var control = SeSelfRelative;
        var offset = DescriptorHeaderSize;
        if (withOwner)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(sd.AsSpan(4), (uint)offset);
            Owner.CopyTo(sd.AsSpan(offset));
            offset += Owner.Length;
        }

        if (withGroup)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(sd.AsSpan(8), (uint)offset);
            Group.CopyTo(sd.AsSpan(offset));
            offset += Group.Length;
        }

        if (withDacl)
        {
            control |= SeDaclPresent | SeDaclProtected;
            BinaryPrimitives.WriteUInt32LittleEndian(sd.AsSpan(16), (uint)offset);
            sd[offset] = AclRevision;
            BinaryPrimitives.WriteUInt16LittleEndian(sd.AsSpan(offset + 2), (ushort)aclSize);
            BinaryPrimitives.WriteUInt16LittleEndian(sd.AsSpan(offset + 4), (ushort)aces.Length);
            var ace = offset + AclHeaderSize;
            foreach (var (sid, mask) in aces)
            {
                sd[ace] = AccessAllowedAceType;
                BinaryPrimitives.WriteUInt16LittleEndian(sd.AsSpan(ace + 2), (ushort)(AceFixedSize + sid.Length));
                BinaryPrimitives.WriteUInt32LittleEndian(sd.AsSpan(ace + 4), mask);
                sid.CopyTo(sd.AsSpan(ace + AceFixedSize));
                ace += AceFixedSize + sid.Length;
            }
        }

        BinaryPrimitives.WriteUInt16LittleEndian(sd.AsSpan(2), control);
        return sd;
    }

    /// <summary>
    /// The permission bits a descriptor grants, or null when it carries no DACL (nothing to change). A null DACL
    /// (present but empty pointer) grants everything: 0777.
    /// </summary>
    /// <exception cref="FormatException">The bytes are not a well-formed self-relative security descriptor.</exception>
    public uint? ReadPermissions(ReadOnlySpan<byte> descriptor)
    {
        var view = DescriptorView.Parse(descriptor);
        if (!view.DaclPresent)
        {
            return null;
        }

        if (view.Dacl.IsEmpty)
        {
            return Convert.ToUInt32("777", 8);
        }

        uint user = 0, grp = 0, other = 0;
        foreach (var ace in view.Aces())
        {
            if (ace.Type != AccessAllowedAceType || (ace.Flags & InheritOnlyAce) != 0)
            {
                continue;
            }

            var bits = TripletFor(ace.Mask);
            if (ace.Sid.Equals(Owner) || ace.Sid.Equals(OwnerRights) || ace.Sid.Equals(CreatorOwner))
            {
                user |= bits;
            }
            else if (ace.Sid.Equals(Group) || ace.Sid.Equals(CreatorGroup))
            {
                grp |= bits;
            }
            else if (ace.Sid.Equals(Sid.Everyone))
            {
                other |= bits;
            }
        }

        return (user << 6) | (grp << 3) | other;
    }

    /// <summary>The descriptor in SDDL (owner, group, DACL with hex masks and full SID strings), for logs and tests.</summary>
    /// <exception cref="FormatException">The bytes are not a well-formed self-relative security descriptor.</exception>
    public static string ToSddl(ReadOnlySpan<byte> descriptor)
    {
        var view = DescriptorView.Parse(descriptor);
        var sb = new StringBuilder();
        if (view.Owner is { } o)
        {
            sb.Append("O:").Append(o);
        }

        if (view.Group is { } g)
        {
            sb.Append("G:").Append(g);
        }

        if (view.DaclPresent)
        {
            sb.Append("D:").Append(view.DaclProtected ? "P" : string.Empty);
            foreach (var ace in view.Aces())
            {
                sb.Append('(').Append(ace.Type == AccessAllowedAceType ? "A" : ace.Type == 1 ? "D" : ace.Type.ToString(CultureInfo.InvariantCulture))
                    .Append(";;0x").Append(ace.Mask.ToString("x", CultureInfo.InvariantCulture)).Append(";;;").Append(ace.Sid).Append(')');
            }
        }

        return sb.ToString();
    }

    private readonly record struct Ace(byte Type, byte Flags, uint Mask, Sid Sid);

    /// <summary>A validated view of a self-relative descriptor's parts.</summary>
    private readonly ref struct DescriptorView
    {
        private DescriptorView(Sid? owner, Sid? group, bool daclPresent, bool daclProtected, ReadOnlySpan<byte> dacl)
        {
            Owner = owner;
            Group = group;
            DaclPresent = daclPresent;
            DaclProtected = daclProtected;
            Dacl = dacl;
        }

        public Sid? Owner { get; }

        public Sid? Group { get; }

        public bool DaclPresent { get; }

        public bool DaclProtected { get; }

        public ReadOnlySpan<byte> Dacl { get; }

        public static DescriptorView Parse(ReadOnlySpan<byte> sd)
        {
            if (sd.Length < DescriptorHeaderSize || sd[0] != SecurityDescriptorRevision)
            {
                throw new FormatException($"not a revision-1 security descriptor ({sd.Length} bytes)");
            }

            var control = BinaryPrimitives.ReadUInt16LittleEndian(sd[2..]);
            if ((control & SeSelfRelative) == 0)
            {
                throw new FormatException("the security descriptor is in absolute form; Dokan passes self-relative descriptors");
            }

            var owner = ReadSid(sd, BinaryPrimitives.ReadUInt32LittleEndian(sd[4..]), "owner");
            var group = ReadSid(sd, BinaryPrimitives.ReadUInt32LittleEndian(sd[8..]), "group");
            var daclOffset = BinaryPrimitives.ReadUInt32LittleEndian(sd[16..]);
            var present = (control & SeDaclPresent) != 0;
            var dacl = ReadOnlySpan<byte>.Empty;
            if (present && daclOffset != 0)
            {
                if (daclOffset > sd.Length - AclHeaderSize)
                {
                    throw new FormatException($"the DACL offset {daclOffset} lies outside the {sd.Length}-byte descriptor");
                }

                var size = BinaryPrimitives.ReadUInt16LittleEndian(sd[((int)daclOffset + 2)..]);
                if (size < AclHeaderSize || daclOffset + size > sd.Length)
                {
                    throw new FormatException($"the DACL ({size} bytes at {daclOffset}) does not fit the {sd.Length}-byte descriptor");
                }

                dacl = sd.Slice((int)daclOffset, size);
            }

            return new DescriptorView(owner, group, present, (control & SeDaclProtected) != 0, dacl);
        }

        public List<Ace> Aces()
        {
            var result = new List<Ace>();
            if (Dacl.IsEmpty)
            {
                return result;
            }

            var count = BinaryPrimitives.ReadUInt16LittleEndian(Dacl[4..]);
            var at = AclHeaderSize;
            for (var i = 0; i < count; i++)
            {
                if (at + AceFixedSize > Dacl.Length)
                {
                    throw new FormatException($"ACE {i} starts beyond the end of the DACL");
                }

                var size = BinaryPrimitives.ReadUInt16LittleEndian(Dacl[(at + 2)..]);
                if (size < AceFixedSize || at + size > Dacl.Length)
                {
                    throw new FormatException($"ACE {i} ({size} bytes) does not fit the DACL");
                }

                var type = Dacl[at];
                if (type <= 1)
                {
                    // ACCESS_ALLOWED_ACE and ACCESS_DENIED_ACE: header, mask, SID. Other types are skipped.
                    var sid = Sid.TryRead(Dacl.Slice(at + AceFixedSize, size - AceFixedSize))
                        ?? throw new FormatException($"ACE {i} holds no valid SID");
                    result.Add(new Ace(type, Dacl[at + 1], BinaryPrimitives.ReadUInt32LittleEndian(Dacl[(at + 4)..]), sid));
                }

                at += size;
            }

            return result;
        }

        private static Sid? ReadSid(ReadOnlySpan<byte> sd, uint offset, string what)
        {
            if (offset == 0)
            {
                return null;
            }

            return offset >= sd.Length
                ? throw new FormatException($"the {what} offset {offset} lies outside the {sd.Length}-byte descriptor")
                : Sid.TryRead(sd[(int)offset..]) ?? throw new FormatException($"the {what} is not a valid SID");
        }
    }
}
