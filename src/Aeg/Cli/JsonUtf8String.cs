using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Aeg.Cli;

/// <summary>
/// Writes UTF-8 text as a JSON string literal with only the escapes JSON requires (<c>"</c>,
/// <c>\</c>, control characters); every other character, ill-formed input replaced by U+FFFD
/// included, stays UTF-8.
/// </summary>
/// <remarks>
/// System.Text.Json's encoders write <c>\uFFFD</c> for ill-formed input and escape emoji,
/// no-break spaces and more even when relaxed, and a custom encoder needs unsafe code; the output
/// of <c>aeg cef parse</c> is read by people and jq, not embedded in HTML.
/// </remarks>
internal static class JsonUtf8String
{
    private static readonly SearchValues<byte> NeedEscape = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000B\f\r\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\"\\"u8);

    private static readonly byte[] Replacement = [0xEF, 0xBF, 0xBD];

    // Printable ASCII but the quote and the backslash: text that every JSON writer copies unchanged.
    private static readonly SearchValues<byte> Plain = SearchValues.Create(
        " !#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~"u8);

    /// <summary>True when <paramref name="utf8"/> needs no escape by any encoder (most CEF values).</summary>
    public static bool IsPlain(ReadOnlySpan<byte> utf8) => !utf8.ContainsAnyExcept(Plain);

    /// <summary>The most bytes <see cref="Write"/> writes for <paramref name="length"/> input bytes (all control characters).</summary>
    public static int MaxLength(int length) => (6 * length) + 2;

    /// <summary>Writes <paramref name="utf8"/> as a quoted JSON string to <paramref name="output"/> (at least <see cref="MaxLength"/> long); returns the bytes written.</summary>
    public static int Write(ReadOnlySpan<byte> utf8, Span<byte> output)
    {
        output[0] = (byte)'"';
        var written = 1;
        while (!utf8.IsEmpty)
        {
            var stop = utf8.IndexOfAny(NeedEscape);
            var plain = stop < 0 ? utf8 : utf8[..stop];
            // An escaped byte is ASCII, so it never splits a multi-byte sequence.
            if (Utf8.IsValid(plain))
            {
                plain.CopyTo(output[written..]);
                written += plain.Length;
            }
            else
            {
                written += WriteReplacingIllFormed(plain, output[written..]);
            }

            if (stop < 0)
            {
                break;
            }

            written += WriteEscape(utf8[stop], output[written..]);
            utf8 = utf8[(stop + 1)..];
        }

        output[written++] = (byte)'"';
        return written;
    }

    private static int WriteReplacingIllFormed(ReadOnlySpan<byte> utf8, Span<byte> output)
    {
        var written = 0;
        while (!utf8.IsEmpty)
        {
            // Each maximal ill-formed subsequence becomes one U+FFFD, as Encoding.UTF8 decodes it.
            var status = Rune.DecodeFromUtf8(utf8, out _, out var consumed);
            var bytes = status == OperationStatus.Done ? utf8[..consumed] : Replacement;
            bytes.CopyTo(output[written..]);
            written += bytes.Length;
            utf8 = utf8[consumed..];
        }

        return written;
    }

    private static int WriteEscape(byte b, Span<byte> output)
    {
        var shortForm = b switch
        {
            (byte)'"' => (byte)'"',
            (byte)'\\' => (byte)'\\',
            (byte)'\n' => (byte)'n',
            (byte)'\r' => (byte)'r',
            (byte)'\t' => (byte)'t',
            (byte)'\b' => (byte)'b',
            (byte)'\f' => (byte)'f',
            _ => (byte)0,
        };
        output[0] = (byte)'\\';
        if (shortForm != 0)
        {
            output[1] = shortForm;
            return 2;
        }

        "u00"u8.CopyTo(output[1..]);
        output[4] = HexDigit(b >> 4);
        output[5] = HexDigit(b & 0xF);
        return 6;
    }

    private static byte HexDigit(int value) => (byte)(value < 10 ? '0' + value : 'A' + value - 10);
}
