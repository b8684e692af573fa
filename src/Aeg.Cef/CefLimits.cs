namespace Aeg.Cef;

/// <summary>The CEF field length limits (in characters, as ArcSight counts them) and key rules.</summary>
public static class CefLimits
{
    /// <summary>The limit for an extension key's value, or <see cref="int.MaxValue"/> when CEF sets none.</summary>
    public static int MaxValueLength(ReadOnlySpan<char> key)
    {
        // Labels of every custom field (cs1Label, cn1Label, deviceCustomDate1Label, flexString1Label…).
        if (key.EndsWith("Label", StringComparison.Ordinal))
        {
            return 1023;
        }

        if (key.Length == 3 && key.StartsWith("cs", StringComparison.Ordinal) && key[2] is >= '1' and <= '6')
        {
            return 4000;
        }

        if (key.Length == 19 && key.StartsWith("deviceCustomString", StringComparison.Ordinal) && key[18] is >= '1' and <= '6')
        {
            return 4000;
        }

        return key switch
        {
            "duser" or "destinationUserName" or "suser" or "sourceUserName" or "shost" or "sourceHostName"
                or "dhost" or "destinationHostName" or "msg" or "message" or "request" or "reason" or "fname"
                or "filePath" or "cat" or "deviceEventCategory" or "requestClientApplication" => 1023,
            "act" or "deviceAction" or "outcome" => 63,
            "externalId" => 40,
            "app" or "applicationProtocol" or "proto" or "transportProtocol" => 31,
            _ => int.MaxValue,
        };
    }

    /// <summary>The limit for a header field.</summary>
    public static int MaxHeaderLength(CefHeaderField field) => field switch
    {
        CefHeaderField.DeviceVendor or CefHeaderField.DeviceProduct => 63,
        CefHeaderField.DeviceVersion => 31,
        CefHeaderField.DeviceEventClassId => 1023,
        CefHeaderField.Name => 512,
        CefHeaderField.Severity => 10,
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };

    /// <summary>True for a key the reader would recognise: letters, digits, <c>_ . , [ ]</c>, not empty.</summary>
    public static bool IsValidKey(ReadOnlySpan<char> key)
    {
        if (key.IsEmpty)
        {
            return false;
        }

        foreach (var c in key)
        {
            if (c > 127 || !CefEscaping.KeyBytes.Contains((byte)c))
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsValidKey(ReadOnlySpan<byte> utf8Key)
        => !utf8Key.IsEmpty && utf8Key.IndexOfAnyExcept(CefEscaping.KeyBytes) < 0;

    /// <summary>True for a CEF severity: 0–10, or Unknown, Low, Medium, High, Very-High.</summary>
    public static bool IsValidSeverity(ReadOnlySpan<char> severity)
    {
        if (severity.Length is 1 or 2 && int.TryParse(severity, System.Globalization.NumberStyles.None, null, out var n))
        {
            return n <= 10 && !(severity.Length == 2 && severity[0] == '0');
        }

        return severity is "Unknown" or "Low" or "Medium" or "High" or "Very-High";
    }
}
