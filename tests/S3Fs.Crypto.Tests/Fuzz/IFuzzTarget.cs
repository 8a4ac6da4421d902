namespace S3Fs.Crypto.Tests.Fuzz;

/// <summary>
/// A fuzz target: takes arbitrary bytes and must either return or throw only the exception types its contract names.
/// The in-test driver feeds seeded random and mutated inputs; the same targets can later be driven by libFuzzer.
/// </summary>
public interface IFuzzTarget
{
    static abstract void Fuzz(ReadOnlySpan<byte> input);
}

/// <summary>Runs a target over inputs, reporting the failing input as hex.</summary>
internal static class FuzzDriver
{
    public static void Run<T>(IEnumerable<byte[]> inputs)
        where T : IFuzzTarget
    {
        foreach (var input in inputs)
        {
            try
            {
                T.Fuzz(input);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"{typeof(T).Name} failed on input {Convert.ToHexString(input)}: {ex}");
            }
        }
    }

    /// <summary>Random inputs, and byte-level mutations (flip, insert, delete, duplicate) of the seeds.</summary>
    public static IEnumerable<byte[]> Inputs(int seed, int count, IReadOnlyList<byte[]> seeds)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            if (i % 4 == 0 || seeds.Count == 0)
            {
                var bytes = new byte[random.Next(0, 300)];
                random.NextBytes(bytes);
                yield return bytes;
                continue;
            }

            var data = new List<byte>(seeds[random.Next(seeds.Count)]);
            var edits = random.Next(1, 6);
            for (var e = 0; e < edits && data.Count > 0; e++)
            {
                var at = random.Next(data.Count);
                switch (random.Next(5))
                {
                    case 0: data[at] ^= (byte)(1 << random.Next(8)); break;
                    case 1: data.Insert(at, (byte)random.Next(256)); break;
                    case 2: data.RemoveAt(at); break;
                    case 3: data.InsertRange(at, data.Skip(at).Take(random.Next(1, 20)).ToList()); break;
                    default: data[at] = (byte)"=\n,-0aZ/+"[random.Next(9)]; break;
                }
            }

            yield return [.. data];
        }
    }
}
