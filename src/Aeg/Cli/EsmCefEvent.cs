using System.Globalization;
using System.Text;
using Aeg.Esm;

namespace Aeg.Cli;

/// <summary>
/// A CEF line made from a fetched ESM event, as ESM would forward it (header fields, <c>eventId</c>, addresses and
/// ports), so a rule renders the same ticket for <c>aeg ticket create</c> as for the forwarded event.
/// </summary>
internal static class EsmCefEvent
{
    private static readonly (string Key, string Path)[] Extensions =
    [
        ("eventId", "eventId"), ("externalId", "externalId"), ("src", "source.address"), ("spt", "source.port"),
        ("shost", "source.hostName"), ("suser", "source.userName"), ("dst", "destination.address"), ("dpt", "destination.port"),
        ("dhost", "destination.hostName"), ("duser", "destination.userName"), ("dvc", "device.address"), ("dvchost", "device.hostName"),
        ("rt", "endTime"), ("start", "startTime"), ("end", "endTime"), ("cat", "deviceEventCategory"), ("act", "deviceAction"),
        ("msg", "message"), ("cs1", "deviceCustomString1"), ("cs2", "deviceCustomString2"), ("cn1", "deviceCustomNumber1"),
    ];

    public static string From(EsmEvent e, long id)
    {
        var text = new StringBuilder("CEF:0|");
        foreach (var path in new[] { "device.vendor", "device.product", "device.version", "deviceEventClassId", "name" })
        {
            text.Append(Header(e.Get(path) ?? "")).Append('|');
        }
        text.Append(e.Get("severity") ?? e.Get("agentSeverity") ?? "Unknown").Append('|');
        var first = true;
        foreach (var (key, path) in Extensions)
        {
            var value = key == "eventId" ? id.ToString(CultureInfo.InvariantCulture) : e.Get(path);
            if (value is null)
            {
                continue;
            }
            text.Append(first ? "" : " ").Append(key).Append('=').Append(Value(value));
            first = false;
        }
        return text.ToString();
    }

    private static string Header(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal)
        .Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string Value(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal)
        .Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
