using System.Data.Common;
using System.Globalization;
using Aeg.Configuration;
using MySqlConnector;

namespace Aeg.Annotations;

/// <summary>
/// Reads the columns of one annotation result set by the type the provider reports for each (text, bytes,
/// integers, decimals, dates), so that any column type a DBA can give maps to the right value, and
/// remembers which column it is reading so that a value that cannot be read becomes a row fault naming it.
/// </summary>
internal sealed class ColumnReader
{
    // FixedBytes: BINARY(n), whose values the server pads with zero bytes to n.
    private enum Kind : byte { Other, String, Bytes, FixedBytes, Integer, DateTime }

    private readonly DbDataReader _reader;
    private readonly SourceOptions _options;
    private readonly Kind[] _kinds;
    // Per select ordinal, kept by the source across result sets: whether the provider hands out the raw bytes
    // of this string column (it does for a binary collation only); null: not tried yet.
    private readonly bool?[] _textAsBytes;
    private byte[] _scratch = [];
    // The ordinal being read, for the fault of a value that throws.
    private int _at;

    /// <summary>Learns the column types of <paramref name="reader"/>'s result set.</summary>
    /// <exception cref="InvalidOperationException">The modification time column does not fit <c>source.timeKind</c>.</exception>
    public ColumnReader(DbDataReader reader, SourceOptions options, bool?[] textAsBytes)
    {
        _reader = reader;
        _options = options;
        _textAsBytes = textAsBytes;
        _kinds = new Kind[reader.FieldCount];
        for (var i = 0; i < _kinds.Length; i++)
        {
            _kinds[i] = KindOf(reader.GetFieldType(i));
        }
        if (reader is MySqlDataReader mysql && _kinds.Contains(Kind.Bytes))
        {
            // Only the provider's schema tells BINARY(n) from VARBINARY and BLOB.
            var schema = mysql.GetColumnSchema();
            for (var i = 0; i < _kinds.Length; i++)
            {
                if (_kinds[i] == Kind.Bytes && schema[i] is MySqlDbColumn { ProviderType: MySqlDbType.Binary })
                {
                    _kinds[i] = Kind.FixedBytes;
                }
            }
        }
        // A mismatch is configuration, not a bad row: the keyset parameter would compare unlike values.
        var mt = _kinds[AnnotationQuery.ModificationTime];
        if (options.TimeKind == TimeKind.Datetime ? mt is not (Kind.DateTime or Kind.String) : mt == Kind.DateTime)
        {
            throw new InvalidOperationException(
                $"source.columns.modificationTime ({options.Columns.ModificationTime}) is of type {reader.GetDataTypeName(AnnotationQuery.ModificationTime)}, " +
                $"which does not fit source.timeKind: {options.TimeKind}");
        }
    }

    /// <summary>Whether the result set carries <see cref="AnnotationQuery.IdsPresent"/> (a query with lookup joins).</summary>
    public bool HasIdsPresent => _kinds.Length > AnnotationQuery.IdsPresent;

    /// <summary>An integer column that must hold a value (event id, version).</summary>
    public long Required(int ordinal)
    {
        _at = ordinal;
        return _kinds[ordinal] == Kind.Integer ? _reader.GetInt64(ordinal) : Int64(ordinal) ?? throw new ColumnValueException("NULL");
    }

    public long? Int64(int ordinal)
    {
        _at = ordinal;
        if (_reader.IsDBNull(ordinal))
        {
            return null;
        }
        return _kinds[ordinal] == Kind.Integer ? _reader.GetInt64(ordinal) : ConvertToInt64(_reader.GetValue(ordinal));
    }

    /// <summary>A time as epoch milliseconds: a date column read as UTC, a number as milliseconds, whatever <c>source.timeKind</c> says.</summary>
    public long? Time(int ordinal)
    {
        _at = ordinal;
        if (_reader.IsDBNull(ordinal))
        {
            return null;
        }
        return _kinds[ordinal] switch
        {
            Kind.Integer => _reader.GetInt64(ordinal),
            Kind.DateTime => ToEpochMs(_reader.GetDateTime(ordinal)),
            // The provider parses a date held as text.
            Kind.String when _options.TimeKind == TimeKind.Datetime => ToEpochMs(_reader.GetDateTime(ordinal)),
            _ => ConvertToInt64(_reader.GetValue(ordinal)),
        };
    }

    /// <summary>A column as text: strings as they are, bytes decoded as UTF-8, numbers and dates as invariant text.</summary>
    public string? Text(int ordinal, AnnotationRow row)
    {
        _at = ordinal;
        if (_reader.IsDBNull(ordinal))
        {
            return null;
        }
        switch (_kinds[ordinal])
        {
            case Kind.String:
                return _reader.GetString(ordinal);
            case Kind.Bytes or Kind.FixedBytes:
                var length = (int)_reader.GetBytes(ordinal, 0, null, 0, 0);
                if (_scratch.Length < length)
                {
                    _scratch = new byte[Math.Max(length, 2 * _scratch.Length)];
                }
                var bytes = _scratch.AsSpan(0, (int)_reader.GetBytes(ordinal, 0, _scratch, 0, length));
                var text = Utf8Text.Decode(_kinds[ordinal] == Kind.FixedBytes ? bytes.TrimEnd((byte)0) : bytes, out var invalid);
                if (invalid)
                {
                    row.Changes |= RowChanges.InvalidText;
                }
                return text;
            default:
                return Format(_reader.GetValue(ordinal));
        }
    }

    // The comment and audit trail are kept as the UTF-8 bytes the server sent (the connection's character set
    // is utf8mb4, so text arrives as UTF-8 whatever the column stores, and a binary column is taken to hold
    // UTF-8), copied into the row's own buffer: no string, and the CEF writer escapes them as they are.
    // MySqlConnector hands out the bytes of binary columns and binary-collated ones (a _bin collation, as in
    // content/esm/schema.sql) only; other strings are read as strings.
    public void Utf8(int ordinal, AnnotationRow row, Utf8Text target)
    {
        _at = ordinal;
        var kind = _kinds[ordinal];
        if (kind is not (Kind.String or Kind.Bytes or Kind.FixedBytes) || _reader.IsDBNull(ordinal)
            || (kind == Kind.String && _textAsBytes[ordinal] == false))
        {
            target.Text = Text(ordinal, row);
            return;
        }
        long length;
        try
        {
            length = _reader.GetBytes(ordinal, 0, null, 0, 0);
            _textAsBytes[ordinal] = true;
        }
        catch (InvalidCastException) when (kind == Kind.String)
        {
            // Not binary-collated (or no longer, after an ALTER TABLE): strings from now on.
            _textAsBytes[ordinal] = false;
            target.Text = _reader.GetString(ordinal);
            return;
        }
        var buffer = target.Reserve((int)length);
        var read = _reader.GetBytes(ordinal, 0, buffer, 0, (int)length);
        if (read != length)
        {
            throw new InvalidOperationException($"{read} of {length} bytes read");
        }
        if (kind == Kind.FixedBytes)
        {
            target.Shorten(buffer.AsSpan(0, (int)length).TrimEnd((byte)0).Length);
        }
        if (!target.HoldsValidUtf8())
        {
            row.Changes |= RowChanges.InvalidText;
        }
    }

    /// <summary>
    /// Marks <paramref name="row"/> as faulted by <paramref name="exception"/> at the column being read, and
    /// clears the fields of that column and the ones after it (the row object is reused: they hold the last row's values).
    /// </summary>
    public void Fail(AnnotationRow row, Exception exception)
    {
        var at = _at;
        row.Fault = Describe(at, exception);
        Clear(row, at);
        // The keys after the bad column still identify and position the row (the provider holds the whole
        // row, so they can be read after it); one that cannot be read either is named too.
        for (var o = at + 1; o <= AnnotationQuery.ModificationTime; o++)
        {
            try
            {
                if (o == AnnotationQuery.Version)
                {
                    row.Version = Required(o);
                }
                else
                {
                    row.ModificationTimeMs = Time(o) ?? 0;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                row.Fault += "; " + Describe(o, ex);
            }
        }
    }

    private string Describe(int ordinal, Exception exception)
    {
        var column = ColumnName(ordinal);
        // The provider's messages may quote values or the server; only its type is safe to log, except
        // for a server error, whose message is the server's own and names no secret.
        var reason = exception switch
        {
            _ when IsNull(ordinal) => "NULL",
            ColumnValueException v => v.Message,
            MySqlException m => $"{nameof(MySqlException)} ({m.Message})",
            _ => exception.GetType().Name,
        };
        if (ordinal <= AnnotationQuery.ModificationTime && RawValue(ordinal) is { } raw)
        {
            // The keys identify the row for whoever has to look at it; a number is no secret.
            reason += $", value {raw}";
        }
        return $"column {column}: {reason}";
    }

    private bool IsNull(int ordinal)
    {
        try
        {
            return _reader.IsDBNull(ordinal);
        }
        catch (Exception)
        {
            return false;
        }
    }

    private string? RawValue(int ordinal)
    {
        try
        {
            return IsNull(ordinal) || _kinds[ordinal] is Kind.String or Kind.Bytes or Kind.FixedBytes ? null : Format(_reader.GetValue(ordinal));
        }
        catch (Exception)
        {
            return null;
        }
    }

    private string ColumnName(int ordinal)
    {
        var c = _options.Columns;
        var name = ordinal switch
        {
            AnnotationQuery.EventId => c.EventId,
            AnnotationQuery.Version => c.Version,
            AnnotationQuery.ModificationTime => c.ModificationTime,
            AnnotationQuery.ModifiedBy => c.ModifiedBy,
            AnnotationQuery.StageName => c.Stage,
            AnnotationQuery.StageUri => _options.StageLookup?.UriColumn,
            AnnotationQuery.StageUser => c.StageUser,
            AnnotationQuery.StageUpdateTime => c.StageUpdateTime,
            AnnotationQuery.CurrentComment => c.CurrentComment,
            AnnotationQuery.AuditTrail => c.AuditTrail,
            AnnotationQuery.Flags => c.Flags,
            AnnotationQuery.EndTime => c.EndTime,
            AnnotationQuery.ManagerReceiptTime => c.ManagerReceiptTime,
            _ => null,
        };
        return name ?? $"#{ordinal}";
    }

    private static void Clear(AnnotationRow row, int from)
    {
        for (var o = from; o <= AnnotationQuery.ManagerReceiptTime; o++)
        {
            switch (o)
            {
                case AnnotationQuery.EventId: row.EventId = 0; break;
                case AnnotationQuery.Version: row.Version = 0; break;
                case AnnotationQuery.ModificationTime: row.ModificationTimeMs = 0; break;
                case AnnotationQuery.ModifiedBy: row.ModifiedBy = null; row.ModifiedById = null; break;
                case AnnotationQuery.StageName: row.StageName = null; row.StageId = null; break;
                case AnnotationQuery.StageUri: row.StageUri = null; break;
                case AnnotationQuery.StageUser: row.StageUser = null; row.StageUserId = null; break;
                case AnnotationQuery.StageUpdateTime: row.StageUpdateTimeMs = null; break;
                case AnnotationQuery.CurrentComment: row.CurrentComment = null; break;
                case AnnotationQuery.AuditTrail: row.AuditTrail = null; break;
                case AnnotationQuery.Flags: row.Flags = null; break;
                case AnnotationQuery.EndTime: row.EndTimeMs = null; break;
                case AnnotationQuery.ManagerReceiptTime: row.ManagerReceiptTimeMs = null; break;
            }
        }
    }

    private static Kind KindOf(Type type) =>
        type == typeof(string) ? Kind.String
        : type == typeof(byte[]) ? Kind.Bytes
        : type == typeof(DateTime) ? Kind.DateTime
        : Type.GetTypeCode(type) is TypeCode.Int64 or TypeCode.Int32 or TypeCode.Int16 or TypeCode.SByte
            or TypeCode.UInt64 or TypeCode.UInt32 or TypeCode.UInt16 or TypeCode.Byte ? Kind.Integer
        : Kind.Other;

    internal static long ToEpochMs(DateTime value) =>
        new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)).ToUnixTimeMilliseconds();

    // An integer held by a column of another type (DECIMAL, DOUBLE, BIT, text): only whole numbers in range.
    internal static long ConvertToInt64(object value) => value switch
    {
        long l => l,
        ulong u => checked((long)u),
        decimal d when d == decimal.Truncate(d) => (long)d,
        double f when f == Math.Truncate(f) && f is >= long.MinValue and < 9.2233720368547758E18 => (long)f,
        float f when f == MathF.Truncate(f) && f is >= long.MinValue and < 9.223372E18f => (long)f,
        bool b => b ? 1 : 0,
        string s when long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
        int or uint or short or ushort or sbyte or byte => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        _ => throw new ColumnValueException($"{value.GetType().Name} value is not a whole number in the range of a 64-bit integer"),
    };

    /// <summary>A value of a non-text column as text: invariant numbers, ISO dates, never a .NET type name.</summary>
    internal static string Format(object value) => value switch
    {
        string s => s,
        byte[] b => Utf8Text.Decode(b, out _),
        DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}

/// <summary>A column value that Aeg cannot use (e.g. a fraction where an integer belongs); the message names no content.</summary>
internal sealed class ColumnValueException(string message) : Exception(message);
