using System.Text;
using System.Text.RegularExpressions;
using Aeg.Cef;

namespace Aeg.Rules;

/// <summary>What a condition or template variable reads from an event.</summary>
public enum FieldKind : byte
{
    /// <summary>One of the six CEF header fields after the version.</summary>
    Header,
    /// <summary>An extension key as sent (<c>src</c>, <c>cs3</c>, <c>cn2</c>…).</summary>
    Extension,
    /// <summary>The value of whichever key has <c>&lt;key&gt;Label=&lt;name&gt;</c>.</summary>
    Label,
    /// <summary>The host name of the syslog header.</summary>
    SyslogHost,
    /// <summary>The whole frame as received (templates only).</summary>
    Raw,
    /// <summary>A path into the full ESM event fetched for the rule (<c>esm.originalAgent.zone.uri</c>; templates of <c>enrich: esm</c> rules only).</summary>
    Esm,
    /// <summary>
    /// The ticket an earlier action of the same rule made for the same key (<c>ticket.rt.id</c>, <c>ticket.jira.url</c>);
    /// filled by the ticket worker when that ticket exists (templates of later actions only).
    /// </summary>
    Ticket,
}

/// <summary>A parsed field reference such as <c>deviceVendor</c>, <c>src</c>, <c>label:stage</c> or <c>syslog.host</c>.</summary>
public sealed partial class FieldRef
{
    private FieldRef(FieldKind kind, CefHeaderField header, string name)
    {
        Kind = kind;
        Header = header;
        Name = name;
        NameUtf8 = Encoding.UTF8.GetBytes(name);
    }

    public FieldKind Kind { get; }
    /// <summary>The header field when <see cref="Kind"/> is <see cref="FieldKind.Header"/>.</summary>
    public CefHeaderField Header { get; }
    /// <summary>The extension key or label name (or the reserved name for the other kinds).</summary>
    public string Name { get; }
    public byte[] NameUtf8 { get; }

    /// <summary>The reference as written in a template, for messages.</summary>
    public override string ToString() => Kind switch
    {
        FieldKind.Label => "label:" + Name,
        FieldKind.Esm => "esm." + Name,
        FieldKind.Ticket => "ticket." + Name,
        _ => Name,
    };

    /// <summary>Names that mean a header field rather than an extension key.</summary>
    public static IReadOnlyList<string> HeaderNames { get; } =
        ["deviceVendor", "deviceProduct", "deviceVersion", "deviceEventClassId", "name", "severity"];

    /// <summary>Parses an extension key, header name, <c>syslog.host</c> or <c>raw</c>; null with a reason when invalid.</summary>
    public static FieldRef? ParseField(string text, bool allowRaw, out string? reason)
    {
        reason = null;
        var index = IndexOfHeader(text);
        if (index >= 0)
        {
            return new FieldRef(FieldKind.Header, (CefHeaderField)index, text);
        }
        if (text == "syslog.host")
        {
            return new FieldRef(FieldKind.SyslogHost, default, text);
        }
        if (text == "raw")
        {
            if (allowRaw)
            {
                return new FieldRef(FieldKind.Raw, default, text);
            }
            reason = "'raw' (the whole event) can be used in templates, not in conditions";
            return null;
        }
        if (text.StartsWith("esm.", StringComparison.Ordinal))
        {
            var path = text[4..];
            if (!allowRaw)
            {
                reason = $"'{text}' reads the ESM event, which is fetched after matching: use it in templates of an 'enrich: esm' rule, not in conditions";
                return null;
            }
            if (!EsmPath().IsMatch(path))
            {
                reason = $"'{text}' is not an ESM event path (names of letters, digits and _, or list indexes, joined by dots: esm.originalAgent.zone.uri)";
                return null;
            }
            return new FieldRef(FieldKind.Esm, default, path);
        }
        if (text.StartsWith("ticket.", StringComparison.Ordinal))
        {
            if (!allowRaw)
            {
                reason = $"'{text}' is the ticket of an earlier action, known only when that ticket exists: use it in templates, not in conditions";
                return null;
            }
            if (TicketLink().Match(text) is not { Success: true })
            {
                reason = $"'{text}' is not a ticket link (ticket.<target>.id or ticket.<target>.url, <target> a ticket system of an earlier action of the rule)";
                return null;
            }
            return new FieldRef(FieldKind.Ticket, default, text[7..]);
        }
        if (text.StartsWith("syslog.", StringComparison.Ordinal))
        {
            reason = $"unknown field '{text}' (the syslog header offers syslog.host)";
            return null;
        }
        if (!ExtensionKey().IsMatch(text))
        {
            reason = $"'{text}' is not a CEF header field ({string.Join(", ", HeaderNames)}) or extension key (letters, digits, _ . , [ ])";
            return null;
        }
        return new FieldRef(FieldKind.Extension, default, text);
    }

    /// <summary>Parses a label name (the value of some <c>…Label</c> key).</summary>
    public static FieldRef? ParseLabel(string text, out string? reason)
    {
        reason = null;
        if (string.IsNullOrWhiteSpace(text) || text.Trim() != text)
        {
            reason = $"'{text}' is not a label name (empty or surrounded by blanks)";
            return null;
        }
        return new FieldRef(FieldKind.Label, default, text);
    }

    private static int IndexOfHeader(string text)
    {
        for (var i = 0; i < HeaderNames.Count; i++)
        {
            if (HeaderNames[i] == text)
            {
                return i;
            }
        }
        return -1;
    }

    [GeneratedRegex(@"^(?:[A-Za-z_][A-Za-z0-9_]{0,127}|[0-9]{1,6})(?:\.(?:[A-Za-z_][A-Za-z0-9_]{0,127}|[0-9]{1,6})){0,31}$")]
    private static partial Regex EsmPath();

    /// <summary>For a <see cref="FieldKind.Ticket"/> reference: the target whose ticket it reads.</summary>
    public string LinkedTarget => Name[..Name.LastIndexOf('.')];

    /// <summary>For a <see cref="FieldKind.Ticket"/> reference: true for the ticket's URL, false for its id.</summary>
    public bool LinksUrl => Name.EndsWith(".url", StringComparison.Ordinal);

    [GeneratedRegex(@"^ticket\.[^.{}|\s]{1,128}\.(?:id|url)$")]
    private static partial Regex TicketLink();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.,\[\]]{0,127}$")]
    private static partial Regex ExtensionKey();
}
