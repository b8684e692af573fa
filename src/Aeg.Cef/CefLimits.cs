namespace Aeg.Cef;

/// <summary>The CEF field length limits (in characters, as ArcSight counts them) and key rules.</summary>
public static class CefLimits
{
    /// <summary>The limit for an extension key's value, or <see cref="int.MaxValue"/> when CEF sets none.</summary>
    public static int MaxValueLength(ReadOnlySpan<char> key) => throw new NotImplementedException();
    /// <summary>The limit for a header field.</summary>
    public static int MaxHeaderLength(CefHeaderField field) => throw new NotImplementedException();
    /// <summary>True for a key the reader would recognise: letters, digits, <c>_ . , [ ]</c>, not empty.</summary>
    public static bool IsValidKey(ReadOnlySpan<char> key) => throw new NotImplementedException();
    public static bool IsValidKey(ReadOnlySpan<byte> utf8Key) => throw new NotImplementedException();
}
