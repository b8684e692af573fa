using System.Text;

namespace Aeg.Cef.Tests.Fuzzing;

/// <summary>How a fuzz input was made; counted so a run can show every kind was tried.</summary>
public enum FuzzStrategy
{
    /// <summary>Random bytes drawn mostly from those that steer the parser.</summary>
    RandomBytes,
    /// <summary>A conformance vector with a few small edits (bit flips, inserts, deletes, splices…).</summary>
    MutatedVector,
    /// <summary>A vector with a long run of backslash escapes inserted.</summary>
    RepeatedEscapes,
    /// <summary>A vector with a key of up to 128 KiB inserted.</summary>
    HugeKey,
    /// <summary>A vector with invalid UTF-8 or NUL bytes inserted.</summary>
    InvalidUtf8OrNul,
    /// <summary>A vector grown to about 1 MiB (one huge value, many pairs, or runs of one special byte).</summary>
    HugeLine,
}

/// <summary>
/// Makes fuzz inputs from the conformance vectors: random lines and mutations (bit flips,
/// truncations, splices, repeated escapes, huge keys, invalid UTF-8, NULs, 1 MiB lines).
/// Deterministic: the same <see cref="Random"/> state gives the same input.
/// </summary>
public sealed class FuzzInputGenerator(IReadOnlyList<byte[]> seeds)
{
    /// <summary>Size of the huge lines.</summary>
    public const int HugeLineBytes = 1 << 20;

    // Bytes that steer the parser: separators, escapes, PRI brackets, digits, markers, UTF-8 lead bytes.
    private static readonly byte[] Interesting =
        [.. "<>|\\= \t\r\n\0CEF:0123456789-[]\"abcZ.,_T"u8, 0xEF, 0xBB, 0xBF, 0xC3, 0xA9, 0xFF, 0x80, 0xC0, 0xED];

    private static readonly byte[][] Tokens =
    [
        "CEF:0|"u8.ToArray(), "CEF: 1|"u8.ToArray(), "<134>"u8.ToArray(), "<13>1 "u8.ToArray(), " - - - "u8.ToArray(),
        "Nov 22 04:18:17 "u8.ToArray(), "2026-11-22T04:18:17Z "u8.ToArray(), " cs1="u8.ToArray(), " ad.f[0]="u8.ToArray(),
        "\\|"u8.ToArray(), "\\="u8.ToArray(), "\\\\"u8.ToArray(), "\\n"u8.ToArray(), "\\r"u8.ToArray(), "  "u8.ToArray(),
        "[x a=\"b\\\"]\"]"u8.ToArray(), "|||||||"u8.ToArray(), "="u8.ToArray(), " =x"u8.ToArray(),
    ];

    // Not valid UTF-8: stray continuation, truncated sequences, overlong forms, surrogates, >U+10FFFF.
    private static readonly byte[][] InvalidUtf8 =
    [
        [0x80], [0xBF], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xC0, 0xAF], [0xE0, 0x80, 0xAF],
        [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFE], [0xFF], [0xEF, 0xBB, 0xBF], [0x00], [0x00, 0x00, 0x00],
    ];

    private readonly IReadOnlyList<byte[]> _seeds = seeds.Count > 0 ? seeds : throw new ArgumentException("no seeds", nameof(seeds));

    /// <summary>One input; <paramref name="strategy"/> says how it was made.</summary>
    public byte[] Next(Random rng, out FuzzStrategy strategy)
    {
        // Huge inputs are rare: one 1 MiB line costs as much as thousands of ordinary ones.
        var roll = rng.Next(4000);
        strategy = roll switch
        {
            0 => FuzzStrategy.HugeLine,
            < 600 => FuzzStrategy.RandomBytes,
            < 800 => FuzzStrategy.RepeatedEscapes,
            < 900 => FuzzStrategy.HugeKey,
            < 1200 => FuzzStrategy.InvalidUtf8OrNul,
            _ => FuzzStrategy.MutatedVector,
        };

        return strategy switch
        {
            FuzzStrategy.RandomBytes => RandomLine(rng),
            FuzzStrategy.RepeatedEscapes => Mutate(rng, Insert(rng, Seed(rng), RepeatedEscape(rng)), rng.Next(3)),
            FuzzStrategy.HugeKey => Mutate(rng, Insert(rng, Seed(rng), HugeKey(rng)), rng.Next(2)),
            FuzzStrategy.InvalidUtf8OrNul => Mutate(rng, InsertInvalid(rng, Seed(rng)), rng.Next(3)),
            FuzzStrategy.HugeLine => HugeLine(rng),
            // Mostly one or two edits: more of them and little but the header parser is reached.
            _ => Mutate(rng, [.. Seed(rng)], 1 + rng.Next(rng.Next(1, 8))),
        };
    }

    private byte[] Seed(Random rng) => _seeds[rng.Next(_seeds.Count)];

    private static byte[] RandomLine(Random rng)
    {
        var line = new byte[rng.Next(300)];
        for (var i = 0; i < line.Length; i++)
        {
            line[i] = rng.Next(8) == 0 ? (byte)rng.Next(256) : Interesting[rng.Next(Interesting.Length)];
        }

        // Half of them start like CEF, so that the extension parser sees random bytes too.
        return rng.Next(2) == 0 ? [.. "CEF:0|"u8, .. line] : line;
    }

    private byte[] Mutate(Random rng, List<byte> line, int edits)
    {
        for (var i = 0; i < edits; i++)
        {
            var at = line.Count == 0 ? 0 : rng.Next(line.Count + 1);
            switch (rng.Next(10))
            {
                case 0 when line.Count > 0: // bit flip
                    at = Math.Min(at, line.Count - 1);
                    line[at] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1 when line.Count > 0: // replace
                    line[Math.Min(at, line.Count - 1)] = Interesting[rng.Next(Interesting.Length)];
                    break;
                case 2: // insert
                    line.Insert(at, Interesting[rng.Next(Interesting.Length)]);
                    break;
                case 3 when line.Count > 0: // delete a range
                    line.RemoveRange(Math.Min(at, line.Count - 1), Math.Min(1 + rng.Next(8), line.Count - Math.Min(at, line.Count - 1)));
                    break;
                case 4: // truncate
                    line.RemoveRange(at, line.Count - at);
                    break;
                case 5: // splice: this line's head with another vector's tail
                    var other = Seed(rng);
                    line.RemoveRange(at, line.Count - at);
                    line.AddRange(other.AsSpan(rng.Next(other.Length + 1)));
                    break;
                case 6 when line.Count > 0: // duplicate a range
                    var start = rng.Next(line.Count);
                    var length = Math.Min(1 + rng.Next(40), line.Count - start);
                    line.InsertRange(at, line.GetRange(start, length));
                    break;
                case 7: // a token that means something to the parser
                    line.InsertRange(at, Tokens[rng.Next(Tokens.Length)]);
                    break;
                case 8: // a key=value pair with a random key
                    line.InsertRange(at, Encoding.ASCII.GetBytes($" k{rng.Next(100)}=v"));
                    break;
                default: // a random byte
                    line.Insert(at, (byte)rng.Next(256));
                    break;
            }
        }

        return [.. line];
    }

    private static List<byte> Insert(Random rng, byte[] seed, byte[] piece)
    {
        var line = new List<byte>(seed.Length + piece.Length);
        var at = rng.Next(seed.Length + 1);
        line.AddRange(seed.AsSpan(0, at));
        line.AddRange(piece);
        line.AddRange(seed.AsSpan(at));
        return line;
    }

    private static byte[] RepeatedEscape(Random rng)
    {
        var unit = rng.Next(5) switch
        {
            0 => "\\"u8.ToArray(),
            1 => "\\\\"u8.ToArray(),
            2 => "\\="u8.ToArray(),
            3 => "\\|"u8.ToArray(),
            _ => "\\n\\r"u8.ToArray(),
        };

        var count = 1 << rng.Next(1, 13);
        var run = new byte[unit.Length * count];
        for (var i = 0; i < count; i++)
        {
            unit.CopyTo(run, i * unit.Length);
        }

        return run;
    }

    private static byte[] HugeKey(Random rng)
    {
        var key = new byte[2 + (1 << rng.Next(4, 17))];
        key[0] = (byte)' ';
        for (var i = 1; i < key.Length - 1; i++)
        {
            key[i] = (byte)"abcXYZ019_.,[]"[rng.Next(14)];
        }

        key[^1] = (byte)'=';
        return key;
    }

    private List<byte> InsertInvalid(Random rng, byte[] seed)
    {
        var line = new List<byte>(seed);
        for (var n = 1 + rng.Next(4); n > 0; n--)
        {
            line.InsertRange(rng.Next(line.Count + 1), InvalidUtf8[rng.Next(InvalidUtf8.Length)]);
        }

        return line;
    }

    private byte[] HugeLine(Random rng)
    {
        var head = "CEF:0|Vendor|Product|1.0|100|Huge|5|"u8;
        var line = new byte[HugeLineBytes];
        head.CopyTo(line);
        var body = line.AsSpan(head.Length);
        switch (rng.Next(6))
        {
            case 0: // one huge value
                "msg="u8.CopyTo(body);
                body[4..].Fill((byte)'x');
                break;
            case 1: // many short pairs
                for (var i = 0; i + 8 <= body.Length; i += 8)
                {
                    "k1=v\\= "u8.CopyTo(body[i..]);
                }

                break;
            case 2: // one special byte over and over
                "msg="u8.CopyTo(body);
                body[4..].Fill("\\= |"u8[rng.Next(4)]);
                break;
            case 3: // spaces, then an equals sign: every space could start a key
                "msg="u8.CopyTo(body);
                body[4..].Fill((byte)' ');
                body[^1] = (byte)'=';
                break;
            case 4: // a vector repeated end to end
                var seed = Seed(rng);
                for (var i = 0; i < body.Length; i += Math.Max(seed.Length, 1))
                {
                    seed.AsSpan(0, Math.Min(seed.Length, body.Length - i)).CopyTo(body[i..]);
                }

                break;
            default: // random steering bytes
                for (var i = 0; i < body.Length; i++)
                {
                    body[i] = Interesting[rng.Next(Interesting.Length)];
                }

                break;
        }

        return line;
    }
}
