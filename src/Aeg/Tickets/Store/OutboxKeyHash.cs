using System.Security.Cryptography;
using System.Text;

namespace Aeg.Tickets.Store;

/// <summary>The index key of a (target, dedupe key) in MariaDB: SHA-256 of both, 64 hex digits.</summary>
/// <remarks>Dedupe keys are rendered from events and can be longer than an InnoDB index allows; the hash also makes the match exact (no collation).</remarks>
public static class OutboxKeyHash
{
    public static string Of(string target, string dedupeKey)
    {
        var bytes = Encoding.UTF8.GetBytes(target + "\0" + dedupeKey);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
