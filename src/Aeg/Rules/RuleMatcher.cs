using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Aeg.Cef;

namespace Aeg.Rules;

/// <summary>
/// Evaluates compiled rules against one CEF frame without allocating: a single pass over the
/// extension pairs records where each wanted key's value lies (and resolves labels), then every
/// rule's conditions are tested on those spans. Thread-safe; the scratch memory is per thread.
/// </summary>
public sealed class RuleMatcher
{
    private static ReadOnlySpan<byte> LabelSuffix => "Label"u8;

    private readonly Rule[] _rules;
    private readonly byte[][] _keys;
    // The first 8 bytes of each wanted key plus its length: comparing one ulong rules out all
    // but the right key, so each extension pair costs a few integer compares, not K byte compares.
    private readonly ulong[] _keySignatures;
    private readonly byte[][] _labels;

    public RuleMatcher(IReadOnlyList<Rule> rules)
    {
        _rules = [.. rules];
        var keys = new List<string>();
        var labels = new List<string>();
        foreach (var condition in _rules.SelectMany(r => r.Conditions))
        {
            var list = condition.Field.Kind switch
            {
                FieldKind.Extension => keys,
                FieldKind.Label => labels,
                _ => null,
            };
            if (list is null)
            {
                continue;
            }
            var slot = list.IndexOf(condition.Field.Name);
            if (slot < 0)
            {
                slot = list.Count;
                list.Add(condition.Field.Name);
            }
            condition.Slot = slot;
        }
        _keys = [.. keys.Select(k => System.Text.Encoding.UTF8.GetBytes(k))];
        _keySignatures = [.. _keys.Select(k => Signature(k, k, 0))];
        _labels = [.. labels.Select(l => System.Text.Encoding.UTF8.GetBytes(l))];
    }

    public IReadOnlyList<Rule> Rules => _rules;

    /// <summary>
    /// Reads the rest of <paramref name="reader"/> (a reader over <paramref name="frame"/>, no
    /// extension read yet) and writes the indexes of the matching rules into
    /// <paramref name="matched"/> (which must hold <see cref="Rules"/>.Count). Returns how many
    /// matched; 0 when the frame is not valid CEF (check <c>reader.Error</c>).
    /// </summary>
    public int Match(ReadOnlySpan<byte> frame, ref CefReader reader, scoped Span<int> matched)
    {
        if (!reader.IsValid)
        {
            return 0;
        }
        var scratch = Collect(frame, ref reader);
        if (!reader.IsValid)
        {
            return 0;
        }
        var count = 0;
        for (var i = 0; i < _rules.Length; i++)
        {
            if (FirstFailure(_rules[i], frame, ref reader, scratch) < 0)
            {
                matched[count++] = i;
            }
        }
        return count;
    }

    /// <summary>Per rule, the index of the first condition that failed (-1: matched); allocates, for <c>aeg rules test</c>.</summary>
    public RuleOutcome[] Explain(ReadOnlySpan<byte> frame, out CefError error)
    {
        var reader = new CefReader(frame);
        var outcomes = new RuleOutcome[_rules.Length];
        var scratch = reader.IsValid ? Collect(frame, ref reader) : null;
        error = reader.Error;
        for (var i = 0; i < _rules.Length; i++)
        {
            var failed = scratch is null || error != CefError.None ? 0 : FirstFailure(_rules[i], frame, ref reader, scratch);
            outcomes[i] = new RuleOutcome(_rules[i], failed);
        }
        return outcomes;
    }

    private MatchScratch Collect(ReadOnlySpan<byte> frame, ref CefReader reader)
    {
        var scratch = MatchScratch.For(_keys.Length, _labels.Length);
        var keys = _keys;
        var signatures = _keySignatures;
        var labels = _labels;
        while (reader.ReadNextExtension())
        {
            var key = reader.Key;
            var signature = Signature(key, frame, Offset(frame, key));
            for (var k = 0; k < signatures.Length; k++)
            {
                // The first of duplicated keys wins.
                if (signatures[k] == signature && scratch.KeyStart[k] < 0 && (key.Length <= 7 || key.SequenceEqual(keys[k])))
                {
                    var value = reader.RawValue;
                    scratch.KeyStart[k] = Offset(frame, value);
                    scratch.KeyLength[k] = value.Length;
                }
            }
            if (labels.Length == 0)
            {
                continue;
            }
            var raw = reader.RawValue;
            var keyStart = Offset(frame, key);
            // Only keys ending in a digit carry labels (csN, cnN, cfpN, c6aN, deviceCustomDateN,
            // flexStringN…), so only those are remembered for label resolution.
            if ((uint)(key[^1] - '0') <= 9)
            {
                scratch.AddPair(keyStart, key.Length, Offset(frame, raw), raw.Length);
            }
            else if (key.Length > LabelSuffix.Length && key.EndsWith(LabelSuffix))
            {
                for (var l = 0; l < labels.Length; l++)
                {
                    if (scratch.LabelKeyStart[l] < 0 && CefEscaping.UnescapedEquals(raw, labels[l], header: false))
                    {
                        scratch.LabelKeyStart[l] = keyStart;
                        scratch.LabelKeyLength[l] = key.Length - LabelSuffix.Length;
                    }
                }
            }
        }
        for (var l = 0; l < labels.Length; l++)
        {
            if (scratch.LabelKeyStart[l] < 0)
            {
                continue;
            }
            var labelled = frame.Slice(scratch.LabelKeyStart[l], scratch.LabelKeyLength[l]);
            for (var p = 0; p < scratch.PairCount; p++)
            {
                if (frame.Slice(scratch.PairKeyStart[p], scratch.PairKeyLength[p]).SequenceEqual(labelled))
                {
                    scratch.LabelStart[l] = scratch.PairValueStart[p];
                    scratch.LabelLength[l] = scratch.PairValueLength[p];
                    break;
                }
            }
        }
        return scratch;
    }

    private static int FirstFailure(Rule rule, ReadOnlySpan<byte> frame, ref CefReader reader, MatchScratch scratch)
    {
        var conditions = rule.Conditions;
        for (var c = 0; c < conditions.Length; c++)
        {
            var condition = conditions[c];
            var field = condition.Field;
            bool ok;
            switch (field.Kind)
            {
                case FieldKind.Header:
                    ok = condition.Test(reader.GetHeaderRaw(field.Header), present: true, header: true, scratch);
                    break;
                case FieldKind.Extension:
                    var ks = scratch.KeyStart[condition.Slot];
                    ok = condition.Test(ks < 0 ? default : frame.Slice(ks, scratch.KeyLength[condition.Slot]), ks >= 0, header: false, scratch);
                    break;
                case FieldKind.Label:
                    var ls = scratch.LabelStart[condition.Slot];
                    ok = condition.Test(ls < 0 ? default : frame.Slice(ls, scratch.LabelLength[condition.Slot]), ls >= 0, header: false, scratch);
                    break;
                case FieldKind.SyslogHost:
                    // The syslog header has no escaping.
                    ok = condition.Test(reader.SyslogHost, present: true, header: true, scratch);
                    break;
                default:
                    ok = false;
                    break;
            }
            if (!ok)
            {
                return c;
            }
        }
        return -1;
    }

    /// <summary>Up to the first 7 bytes of <paramref name="key"/> with its length (capped at 255) in the top byte.</summary>
    private static ulong Signature(ReadOnlySpan<byte> key, ReadOnlySpan<byte> frame, int offset)
    {
        ulong bytes;
        if (offset + 8 <= frame.Length)
        {
            // One unaligned read from the frame, masked to the key's length.
            bytes = Unsafe.ReadUnaligned<ulong>(ref Unsafe.AsRef(in frame[offset]));
            if (!BitConverter.IsLittleEndian)
            {
                bytes = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(bytes);
            }
        }
        else
        {
            bytes = 0;
            for (var i = Math.Min(key.Length, 8) - 1; i >= 0; i--)
            {
                bytes = (bytes << 8) | key[i];
            }
        }
        var keep = Math.Min(key.Length, 7);
        var mask = keep == 0 ? 0UL : ulong.MaxValue >> (64 - (keep * 8));
        return (bytes & mask) | ((ulong)Math.Min(key.Length, 255) << 56);
    }

    private static int Offset(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> part)
        => (int)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(frame), ref MemoryMarshal.GetReference(part));
}

/// <summary>How one rule fared against one event: <see cref="FailedCondition"/> is -1 when it matched.</summary>
public sealed record RuleOutcome(Rule Rule, int FailedCondition)
{
    public bool Matched => FailedCondition < 0;
}
