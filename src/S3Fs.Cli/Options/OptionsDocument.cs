using System.Text;

namespace S3Fs.Cli.Options;

/// <summary>
/// Renders the option reference of docs/CONFIGURATION.md from <see cref="OptionSchema"/>. The document holds the
/// rendered text between two markers, and a test fails when the two differ, so the schema and the document cannot
/// drift apart.
/// </summary>
internal static class OptionsDocument
{
    public const string BeginMarker = "<!-- BEGIN OPTION REFERENCE (generated from OptionSchema; see OptionsDocumentTests) -->";
    public const string EndMarker = "<!-- END OPTION REFERENCE -->";

    public static string Render()
    {
        var sb = new StringBuilder();
        foreach (var def in OptionSchema.All)
        {
            sb.Append("### `").Append(def.Name).Append("`\n\n");
            sb.Append(def.Description).Append("\n\n");
            sb.Append("- Type: ").Append(TypeText(def)).Append('\n');
            sb.Append("- Default: ").Append(def.Default ?? "none").Append('\n');
            if (def.Example is not null)
            {
                sb.Append("- Example: `").Append(def.Name).Append(" = ").Append(def.Example).Append("`\n");
            }

            sb.Append('\n');
        }

        return sb.ToString().TrimEnd('\n') + "\n";
    }

    private static string TypeText(OptionDefinition def) => def.Kind switch
    {
        OptionKind.Text => def.IsList ? "comma-separated list" : "text",
        OptionKind.Boolean => "`true` or `false` (a bare name means `true`)",
        OptionKind.Size => "size in bytes, with an optional unit (`64KiB`, `256MiB`, `1GiB`)",
        OptionKind.Integer => "whole number",
        OptionKind.Duration => "duration (`250ms`, `30s`, `5m`, `1h`)",
        OptionKind.Choice => "one of " + string.Join(", ", def.Choices.Select(c => $"`{c}`")),
        OptionKind.Path => "path to a local file (relative to the options file)",
        OptionKind.Url => "URL (`https://` when no scheme is given)",
        OptionKind.Octal => "octal mode (`022`, `0644`)",
        OptionKind.KeySpec => def.IsList ? "comma-separated key specs (`kms:`, `file:`, `passphrase:`, `rsa:`)" : "key spec (`kms:<id>`, `file:<path>`, `passphrase:<path>`, `rsa:<path>`)",
        OptionKind.Map => "comma-separated `key:value` pairs",
        _ => def.Kind.ToString(),
    };
}
