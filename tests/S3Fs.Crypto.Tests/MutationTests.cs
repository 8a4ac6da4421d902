using S3Fs.Crypto.Format;
using S3Fs.Crypto.Keys;

namespace S3Fs.Crypto.Tests;

/// <summary>
/// Seeded random mutation of whole objects (body and metadata): thousands of corruptions, each of which must end in
/// one of the three specific exceptions, never in another exception and never in a successful read.
/// </summary>
public class MutationTests
{
    private const int B = 4096;
    private const int Iterations = 4000;

    [Fact]
    public async Task OpenAndReadAll_RandomMutations_OnlySpecificExceptionsAndNeverFalseSuccess()
    {
        var random = new Random(20240611);
        using var master = TestKeys.NewFileKey();
        using var cache = new DataKeyCache();
        var plainFactory = TestKeys.Factory(master);
        var cachedFactory = new FileCipherFactory(new MasterKeyRing(master), cache, B);
        var objects = new List<(IReadOnlyDictionary<string, string> Metadata, byte[] Body)>();
        foreach (var size in new[] { 0, 1, 100, B - 1, B, B + 1, 3 * B + 5, 5 * B })
        {
            using var writer = await plainFactory.CreateAsync(null, CancellationToken.None);
            objects.Add((writer.Metadata, writer.SealAll(TestKeys.Pattern(size, size))));
        }

        var outcomes = new Dictionary<string, int>();
        for (var i = 0; i < Iterations; i++)
        {
            var (metadata, body) = objects[random.Next(objects.Count)];
            var (mutatedMetadata, mutatedBody, what) = Mutate(random, metadata, body, objects);
            if (SameMetadata(metadata, mutatedMetadata) && mutatedBody.AsSpan().SequenceEqual(body))
            {
                continue;
            }

            var factory = i % 2 == 0 ? plainFactory : cachedFactory;
            string outcome;
            try
            {
                using var reader = await factory.OpenAsync(mutatedMetadata, "obj", CancellationToken.None);
                reader.OpenAll(mutatedBody);
                outcome = "SUCCESS";
            }
            catch (EnvelopeFormatException)
            {
                outcome = "format";
            }
            catch (IntegrityException)
            {
                outcome = "integrity";
            }
            catch (KeyUnavailableException)
            {
                outcome = "key";
            }

            Assert.True(outcome != "SUCCESS", $"iteration {i}: mutation '{what}' was read successfully");
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        // The mutations must exercise all three failure kinds, or the test is not testing what it claims.
        Assert.True(outcomes.GetValueOrDefault("format") > 100, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault("integrity") > 1000, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault("key") > 10, string.Join(", ", outcomes));
    }

    private static (IReadOnlyDictionary<string, string>, byte[], string) Mutate(
        Random random,
        IReadOnlyDictionary<string, string> metadata,
        byte[] body,
        List<(IReadOnlyDictionary<string, string> Metadata, byte[] Body)> others)
    {
        var m = new Dictionary<string, string>(metadata, StringComparer.Ordinal);
        var b = (byte[])body.Clone();
        var field = MetadataKeys.All[random.Next(MetadataKeys.All.Count)];
        var other = others[random.Next(others.Count)];
        switch (random.Next(15))
        {
            case 0:
                b[random.Next(b.Length)] ^= (byte)(1 << random.Next(8));
                return (m, b, "flip body bit");
            case 1:
                return (m, b[..random.Next(b.Length)], "truncate body");
            case 2:
                return (m, [.. b, .. TestKeys.RandomBytes(random.Next(1, 2 * B))], "extend body with random bytes");
            case 3:
                return (m, [.. b, .. b.AsSpan(0, Math.Min(b.Length, B + 28))], "append copy of first block");
            case 4:
                return b.Length >= 2 * (B + 28) ? (m, Swap(b, 0, 1), "swap blocks 0 and 1") : (m, b[..^1], "drop last byte");
            case 5:
                return (other.Metadata, b, "metadata of another object");
            case 6:
                return (m, other.Body, "body of another object");
            case 7:
                m.Remove(field);
                return (m, b, $"drop {field}");
            case 8:
                m["s3cfs-" + (char)('a' + random.Next(26)) + "x"] = "1";
                return (m, b, "add unknown s3cfs field");
            case 9:
                m[field.ToUpperInvariant()] = m[field];
                return (m, b, $"duplicate {field}");
            case 10:
                m[field] = other.Metadata[field];
                return (m, b, $"{field} from another object");
            case 11:
                m[field] = FlipChar(random, m[field]);
                return (m, b, $"flip a character of {field}");
            case 12:
                m[field] = RandomPrintable(random);
                return (m, b, $"random {field}");
            case 13:
                // Cut at a block boundary: every remaining block still authenticates; only the final flag catches it.
                var blocks = b.Length / (B + 28);
                return blocks >= 1 && b.Length > B + 28
                    ? (m, b[..(random.Next(1, blocks + 1) * (B + 28) % b.Length)], "cut at a block boundary")
                    : (m, [], "cut to nothing");
            default:
                b.AsSpan(random.Next(b.Length)).Clear();
                return (m, b, "zero body tail");
        }
    }

    private static byte[] Swap(byte[] body, int x, int y)
    {
        var size = B + 28;
        var result = (byte[])body.Clone();
        body.AsSpan(x * size, size).CopyTo(result.AsSpan(y * size));
        body.AsSpan(y * size, size).CopyTo(result.AsSpan(x * size));
        return result;
    }

    private static string FlipChar(Random random, string value)
    {
        if (value.Length == 0)
        {
            return "x";
        }

        var chars = value.ToCharArray();
        var at = random.Next(chars.Length);
        chars[at] = (char)(chars[at] ^ (1 << random.Next(7)));
        return new string(chars);
    }

    private static string RandomPrintable(Random random)
    {
        var chars = new char[random.Next(0, 80)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)random.Next(0x20, 0x7f);
        }

        return new string(chars);
    }

    private static bool SameMetadata(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
