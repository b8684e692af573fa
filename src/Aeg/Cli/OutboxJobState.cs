using Aeg.State;
using Microsoft.Data.Sqlite;

namespace Aeg.Cli;

/// <summary>Reads one outbox job's state (for a job another process — the daemon — runs): pending, done or dead, with its outcome.</summary>
internal static class OutboxJobState
{
    public static (string State, string? Outcome, string? TicketRef, string? Error) Read(string databasePath, long id)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, DefaultTimeout = 30 }.ToString();
        using var connection = SqliteStateFile.Open(connectionString);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT state, outcome, ticket_ref, error FROM ticket_jobs WHERE id = $id";
        var p = command.CreateParameter();
        p.ParameterName = "$id";
        p.Value = id;
        command.Parameters.Add(p);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return ("gone", null, null, null);
        }
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        return (reader.GetString(0), Text(1), Text(2), Text(3));
    }
}
