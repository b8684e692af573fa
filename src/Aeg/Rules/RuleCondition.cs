using System.Buffers.Text;
using System.Text;
using System.Text.RegularExpressions;
using Aeg.Cef;

namespace Aeg.Rules;

/// <summary>How a condition compares a field's value.</summary>
public enum ConditionOperator : byte { Equals, In, Prefix, Regex, Gt, Ge, Lt, Le, Eq, Exists }

/// <summary>
/// A compiled condition: its literals are UTF-8 bytes (or strings for case-insensitive
/// comparison) prepared at load, so testing a value allocates nothing.
/// </summary>
public sealed class RuleCondition
{
    private readonly byte[][] _literals;
    private readonly string[] _texts;

    internal RuleCondition(FieldRef field, ConditionOperator op, IReadOnlyList<string> literals, Regex? regex,
        double number, bool expectExists, bool ignoreCase, string description)
    {
        Field = field;
        Operator = op;
        _texts = [.. literals];
        _literals = [.. literals.Select(Encoding.UTF8.GetBytes)];
        Regex = regex;
        Number = number;
        ExpectExists = expectExists;
        IgnoreCase = ignoreCase;
        Description = description;
    }

    public FieldRef Field { get; }
    public ConditionOperator Operator { get; }
    public Regex? Regex { get; }
    public double Number { get; }
    public bool ExpectExists { get; }
    public bool IgnoreCase { get; }
    /// <summary>Where the condition was written and what it says, e.g. <c>when[2]: label:stage equals 're-image'</c>.</summary>
    public string Description { get; }

    /// <summary>Index of the field's slot in the matcher's per-message scratch (extension keys and labels).</summary>
    internal int Slot { get; set; } = -1;

    /// <summary>
    /// Tests a value as it appears on the wire (<paramref name="present"/> false: the field is
    /// absent). Unescapes and decodes into <paramref name="scratch"/> only when the operator needs it.
    /// </summary>
    internal bool Test(ReadOnlySpan<byte> raw, bool present, bool header, MatchScratch scratch)
    {
        present &= raw.Length > 0;
        if (Operator == ConditionOperator.Exists)
        {
            return present == ExpectExists;
        }
        if (!present)
        {
            return false;
        }
        switch (Operator)
        {
            case ConditionOperator.Equals when !IgnoreCase:
                return CefEscaping.UnescapedEquals(raw, _literals[0], header);
            case ConditionOperator.In when !IgnoreCase:
                foreach (var literal in _literals)
                {
                    if (CefEscaping.UnescapedEquals(raw, literal, header))
                    {
                        return true;
                    }
                }
                return false;
            case ConditionOperator.Prefix when !IgnoreCase:
                return scratch.Unescape(raw, header).StartsWith(_literals[0]);
            case ConditionOperator.Equals:
                return scratch.Chars(raw, header).Equals(_texts[0], StringComparison.OrdinalIgnoreCase);
            case ConditionOperator.In:
                var chars = scratch.Chars(raw, header);
                foreach (var text in _texts)
                {
                    if (chars.Equals(text, StringComparison.OrdinalIgnoreCase))
                    {
                        return true;
                    }
                }
                return false;
            case ConditionOperator.Prefix:
                return scratch.Chars(raw, header).StartsWith(_texts[0], StringComparison.OrdinalIgnoreCase);
            case ConditionOperator.Regex:
                return Regex!.IsMatch(scratch.Chars(raw, header));
            default:
                var bytes = scratch.Unescape(raw, header).Trim((byte)' ');
                if (!Utf8Parser.TryParse(bytes, out double value, out var consumed) || consumed != bytes.Length)
                {
                    return false;
                }
                return Operator switch
                {
                    ConditionOperator.Gt => value > Number,
                    ConditionOperator.Ge => value >= Number,
                    ConditionOperator.Lt => value < Number,
                    ConditionOperator.Le => value <= Number,
                    _ => value == Number,
                };
        }
    }

    public override string ToString() => Description;
}
