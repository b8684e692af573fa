using System.Text.Json.Serialization;

namespace Aeg.Tickets;

/// <summary>One outbox row as a worker claimed it.</summary>
public sealed record OutboxJob(long Id, TicketWork Work, int Runs);

/// <summary>Counts of the outbox's rows by state.</summary>
public sealed record OutboxCounts(long Pending, long Dead, long Done);

/// <summary>The serialisation contract of rendered ticket fields, generated at compile time (the native aeg has no reflection).</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class OutboxJsonContext : JsonSerializerContext;
