namespace S3Fs.Dokan;

/// <summary>
/// Windows search-pattern matching with the semantics of FsRtlIsNameInExpression (and Dokan's DokanIsNameInExpression),
/// written here because FindFilesWithPattern hands us the raw expression:
/// <list type="bullet">
/// <item><c>*</c> matches any run of characters, <c>?</c> exactly one.</item>
/// <item><c>&lt;</c> (DOS_STAR) matches any run of characters that does not include the name's last dot
/// (Win32 turns <c>*.</c> into it: names without an extension).</item>
/// <item><c>&gt;</c> (DOS_QM) matches one character, or nothing at a dot or at the end of the name
/// (Win32's <c>?</c> before a dot: "up to one character").</item>
/// <item><c>"</c> (DOS_DOT) matches a dot, or nothing at the end of the name (<c>name.*</c> becomes <c>name"*</c>,
/// which also matches a bare <c>name</c>).</item>
/// </list>
/// </summary>
public static class DosPattern
{
    public const char DosStar = '<';
    public const char DosQm = '>';
    public const char DosDot = '"';

    /// <summary>Whether <paramref name="name"/> matches <paramref name="expression"/>.</summary>
    public static bool IsMatch(string expression, string name, bool ignoreCase)
    {
        if (expression.Length == 0)
        {
            return name.Length == 0;
        }

        if (expression == "*")
        {
            return true;
        }

        if (ignoreCase)
        {
            expression = expression.ToUpperInvariant();
            name = name.ToUpperInvariant();
        }

        var lastDot = name.LastIndexOf('.');

        // memo[i, j]: 0 unknown, 1 match, 2 no match, for expression[i..] against name[j..].
        var memo = new byte[expression.Length + 1, name.Length + 1];
        return Match(expression, name, lastDot, 0, 0, memo);
    }

    private static bool Match(string expr, string name, int lastDot, int i, int j, byte[,] memo)
    {
        if (memo[i, j] != 0)
        {
            return memo[i, j] == 1;
        }

        var result = MatchUncached(expr, name, lastDot, i, j, memo);
        memo[i, j] = result ? (byte)1 : (byte)2;
        return result;
    }

    private static bool MatchUncached(string expr, string name, int lastDot, int i, int j, byte[,] memo)
    {
        if (i == expr.Length)
        {
            return j == name.Length;
        }

        var atEnd = j == name.Length;
        switch (expr[i])
        {
            case '*':
                return Match(expr, name, lastDot, i + 1, j, memo) || (!atEnd && Match(expr, name, lastDot, i, j + 1, memo));

            case DosStar:
                // Zero characters, or one more as long as it is not the last dot of the name.
                return Match(expr, name, lastDot, i + 1, j, memo)
                    || (!atEnd && j != lastDot && Match(expr, name, lastDot, i, j + 1, memo));

            case DosQm:
                return atEnd || name[j] == '.'
                    ? Match(expr, name, lastDot, i + 1, j, memo)
                    : Match(expr, name, lastDot, i + 1, j + 1, memo);

            case DosDot:
                if (atEnd)
                {
                    return Match(expr, name, lastDot, i + 1, j, memo);
                }

                return name[j] == '.' && Match(expr, name, lastDot, i + 1, j + 1, memo);

            case '?':
                return !atEnd && Match(expr, name, lastDot, i + 1, j + 1, memo);

            default:
                return !atEnd && name[j] == expr[i] && Match(expr, name, lastDot, i + 1, j + 1, memo);
        }
    }
}
