using System.Text;

namespace S3Fs.Dokan;

/// <summary>
/// The reversible escape between S3 names and Windows names. S3 keys may hold any character, Windows names may not:
/// rather than hide such objects, the adapter shows them under an escaped name, and maps every name Windows sends
/// back the same way, so opening the escaped name reaches the original object and creating one stores the original.
/// <list type="bullet">
/// <item>A character Windows forbids in a name (<c>&lt; &gt; : " / \ | ? *</c> and the control characters U+0001 to
/// U+001F) becomes U+F000 plus its code (the private-use mapping Cygwin and WSL use): <c>a:b</c> shows as
/// <c>a\uF03Ab</c>.</item>
/// <item>A trailing dot or space (Windows strips them) has its last character escaped the same way
/// (<c>notes.</c> shows as <c>notes\uF02E</c>).</item>
/// <item>A reserved device name (CON, PRN, AUX, NUL, COM0-9, LPT0-9 and their superscript forms, CONIN$, CONOUT$,
/// with or without an extension, in any case) has its first character escaped (<c>con.txt</c> shows as
/// <c>\uF063on.txt</c>).</item>
/// <item>On a case-insensitive mount, names of one directory that differ only in case would hide each other: the
/// first in ordinal order keeps its name, the n-th other gets n case markers U+F0FF before its extension
/// (<c>a.txt</c> beside <c>A.txt</c> shows as <c>a\uF0FF.txt</c>).</item>
/// </list>
/// Decoding maps every U+F000..U+F07F back to U+0000..U+007F and drops every U+F0FF. S3 names that themselves contain
/// those private-use characters are shown unchanged; the path resolver tries the literal name when the decoded one
/// does not exist, so they stay reachable.
/// </summary>
public static class WindowsNames
{
    /// <summary>Start of the escape range: ASCII character c is shown as EscapeBase + c.</summary>
    public const char EscapeBase = '\uF000';

    /// <summary>Last character of the escape range (EscapeBase + 0x7F).</summary>
    public const char EscapeLast = '\uF07F';

    /// <summary>Marks a name shown apart from a sibling that differs only in case; removed when decoding.</summary>
    public const char CaseMarker = '\uF0FF';

    private static readonly HashSet<string> ReservedDeviceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM\u00B9", "COM\u00B2", "COM\u00B3",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT\u00B9", "LPT\u00B2", "LPT\u00B3",
    };

    /// <summary>Whether Windows refuses <paramref name="c"/> anywhere in a name.</summary>
    public static bool IsForbidden(char c) =>
        c < 0x20 || c is '<' or '>' or ':' or '"' or '/' or '\\' or '|' or '?' or '*';

    /// <summary>Whether Windows treats the name as a device (the part before the first dot, trailing spaces ignored).</summary>
    public static bool IsReservedDeviceName(string name)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var stem = (dot < 0 ? name : name[..dot]).TrimEnd(' ');
        return ReservedDeviceNames.Contains(stem);
    }

    /// <summary>The name Windows is shown for an S3 name (before case-collision markers).</summary>
    public static string ToWindows(string s3Name)
    {
        if (s3Name.Length == 0)
        {
            return s3Name;
        }

        var chars = s3Name.ToCharArray();
        var changed = false;
        for (var i = 0; i < chars.Length; i++)
        {
            if (IsForbidden(chars[i]))
            {
                chars[i] = (char)(EscapeBase + chars[i]);
                changed = true;
            }
        }

        if (chars[^1] is '.' or ' ')
        {
            chars[^1] = (char)(EscapeBase + chars[^1]);
            changed = true;
        }

        if (IsReservedDeviceName(s3Name))
        {
            chars[0] = (char)(EscapeBase + chars[0]);
            changed = true;
        }

        return changed ? new string(chars) : s3Name;
    }

    /// <summary>The S3 name a Windows name stands for: escapes decoded, case markers dropped.</summary>
    public static string FromWindows(string windowsName)
    {
        if (!HasEscapes(windowsName))
        {
            return windowsName;
        }

        var sb = new StringBuilder(windowsName.Length);
        foreach (var c in windowsName)
        {
            if (c is >= EscapeBase and <= EscapeLast)
            {
                sb.Append((char)(c - EscapeBase));
            }
            else if (c != CaseMarker)
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>Whether the name contains any character of the escape range or a case marker.</summary>
    public static bool HasEscapes(string name)
    {
        foreach (var c in name)
        {
            if (c is >= EscapeBase and <= EscapeLast or CaseMarker)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The names Windows is shown for the children of one directory, in the same order as <paramref name="s3Names"/>:
    /// each escaped, and on a case-insensitive mount names that would collide told apart with case markers.
    /// </summary>
    public static string[] ToWindows(IReadOnlyList<string> s3Names, bool caseInsensitive)
    {
        var result = new string[s3Names.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = ToWindows(s3Names[i]);
        }

        if (!caseInsensitive)
        {
            return result;
        }

        // Decide in ordinal order of the S3 names, so the same name always wins whatever order the caller used.
        var order = Enumerable.Range(0, result.Length).OrderBy(i => s3Names[i], StringComparer.Ordinal);
        var taken = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var i in order)
        {
            if (taken.TryGetValue(result[i], out var count))
            {
                taken[result[i]] = count + 1;
                result[i] = WithCaseMarkers(result[i], count);
            }
            else
            {
                taken[result[i]] = 1;
            }
        }

        return result;
    }

    /// <summary>Inserts <paramref name="count"/> case markers before the extension (or at the end), so the type stays visible.</summary>
    private static string WithCaseMarkers(string name, int count)
    {
        var dot = name.LastIndexOf('.');
        var at = dot > 0 ? dot : name.Length;
        return string.Concat(name.AsSpan(0, at), new string(CaseMarker, count), name.AsSpan(at));
    }
}
