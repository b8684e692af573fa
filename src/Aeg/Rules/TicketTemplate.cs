using System.Text;

namespace Aeg.Rules;

/// <summary>
/// A text with <c>{{field}}</c>, <c>{{label:name}}</c> and <c>{{field|default}}</c> variables,
/// rendered from a matched event (<c>{{ticket.…}}</c> links are left for the ticket worker). Values are inserted literally: a value that itself contains
/// <c>{{…}}</c> is not expanded again. Encoding for the wire is the ticket action's job.
/// </summary>
public sealed class TicketTemplate
{
    private readonly Part[] _parts;

    private TicketTemplate(string text, Part[] parts)
    {
        Text = text;
        _parts = parts;
    }

    /// <summary>The template as written.</summary>
    public string Text { get; }

    /// <summary>The variables, in order (a field may appear more than once).</summary>
    public IEnumerable<(FieldRef Field, string? Default)> Variables =>
        _parts.Where(p => p.Field is not null).Select(p => (p.Field!, p.Default));

    /// <summary>Parses <paramref name="text"/>; null with a reason naming the bad variable when invalid.</summary>
    public static TicketTemplate? Parse(string text, out string? reason)
    {
        reason = null;
        var parts = new List<Part>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var open = text.IndexOf("{{", i, StringComparison.Ordinal);
            if (open < 0)
            {
                literal.Append(text, i, text.Length - i);
                break;
            }
            literal.Append(text, i, open - i);
            var close = text.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                reason = $"'{{{{' at position {open} is not closed with '}}}}'";
                return null;
            }
            var inner = text[(open + 2)..close];
            var variable = ParseVariable(inner, out reason);
            if (variable is null)
            {
                return null;
            }
            if (literal.Length > 0)
            {
                parts.Add(new Part(literal.ToString(), null, null));
                literal.Clear();
            }
            parts.Add(variable);
            i = close + 2;
        }
        if (literal.Length > 0)
        {
            parts.Add(new Part(literal.ToString(), null, null));
        }
        return new TicketTemplate(text, [.. parts]);
    }

    private static Part? ParseVariable(string inner, out string? reason)
    {
        string? fallback = null;
        var bar = inner.IndexOf('|');
        var name = (bar < 0 ? inner : inner[..bar]).Trim();
        if (bar >= 0)
        {
            fallback = inner[(bar + 1)..];
        }
        if (name.Length == 0)
        {
            reason = $"'{{{{{inner}}}}}' names no field";
            return null;
        }
        if (name.Contains('{', StringComparison.Ordinal))
        {
            reason = $"'{{{{{inner}}}}}' is not a variable (nested braces)";
            return null;
        }
        FieldRef? field;
        if (name.StartsWith("label:", StringComparison.Ordinal))
        {
            field = FieldRef.ParseLabel(name[6..].Trim(), out reason);
        }
        else
        {
            field = FieldRef.ParseField(name, allowRaw: true, out reason);
        }
        if (field is null)
        {
            reason = $"'{{{{{inner}}}}}': {reason}";
            return null;
        }
        return new Part(null, field, fallback);
    }

    /// <summary>The <c>{{ticket.&lt;target&gt;.id|url}}</c> variables.</summary>
    public IEnumerable<(FieldRef Field, string? Default)> TicketLinks => Variables.Where(v => v.Field.Kind == FieldKind.Ticket);

    /// <summary>True when a variable reads the ESM event (<c>{{esm.…}}</c>).</summary>
    public bool ReadsEsm => _parts.Any(p => p.Field?.Kind == FieldKind.Esm);

    /// <summary>
    /// Fills the variables from <paramref name="cefEvent"/>; a missing value becomes its default or <paramref name="missingValue"/>
    /// (for <c>{{esm.…}}</c> variables <paramref name="esmMissingValue"/>, when given).
    /// </summary>
    public string Render(CefEvent cefEvent, string missingValue, string? esmMissingValue = null)
    {
        if (_parts.Length == 1 && _parts[0].Literal is { } only)
        {
            return only;
        }
        var sb = new StringBuilder();
        foreach (var part in _parts)
        {
            if (part.Literal is not null)
            {
                sb.Append(part.Literal);
            }
            else if (part.Field!.Kind == FieldKind.Ticket)
            {
                // Known only once the earlier action's ticket exists: the ticket worker fills it in (Tickets.TicketLinks).
                sb.Append("{{").Append(part.Field).Append("}}");
            }
            else
            {
                sb.Append(cefEvent.Get(part.Field!) ?? part.Default ?? (part.Field!.Kind == FieldKind.Esm ? esmMissingValue ?? missingValue : missingValue));
            }
        }
        return sb.ToString();
    }

    private sealed record Part(string? Literal, FieldRef? Field, string? Default);
}
