using Aeg.Configuration;
using Serilog;

namespace Aeg.Tickets;

/// <summary>The configured ticket systems as actions, with one scrubber that knows all their secrets.</summary>
public sealed class TicketSystems : IDisposable
{
    private readonly List<TicketHttp> _clients;

    private TicketSystems(IReadOnlyDictionary<string, ITicketAction> actions, SecretScrubber scrubber, List<TicketHttp> clients)
    {
        Actions = actions;
        Scrubber = scrubber;
        _clients = clients;
    }

    /// <summary>Actions by system name.</summary>
    public IReadOnlyDictionary<string, ITicketAction> Actions { get; }

    /// <summary>Removes every configured secret from a text.</summary>
    public SecretScrubber Scrubber { get; }

    /// <summary>Reads the secrets (throwing <see cref="Aeg.Configuration.ConfigException"/> naming the key) and builds one action per system.</summary>
    public static TicketSystems Create(TicketsOptions options, string configFile, ILogger log, TicketCounters counters)
    {
        var credentials = options.Systems.ToDictionary(s => s.Key, s => TicketSecrets.Resolve(s.Key, s.Value, configFile), StringComparer.Ordinal);
        var urls = options.Systems.ToDictionary(s => s.Key, s => TicketSecrets.ResolveUrl(s.Key, s.Value, configFile), StringComparer.Ordinal);
        // The process's one registry knows every secret read (credentials, URLs, the database password…).
        foreach (var form in credentials.Values.SelectMany(c => c.SecretForms()))
        {
            SecretRegistry.Shared.Add(form);
        }
        var scrubber = SecretRegistry.Shared.Scrubber;
        foreach (var warning in TicketSecrets.PermissionWarnings(options))
        {
            log.Warning("{Warning}", warning);
        }
        var clients = new List<TicketHttp>();
        var actions = new Dictionary<string, ITicketAction>(StringComparer.Ordinal);
        foreach (var (name, system) in options.Systems)
        {
            var credential = credentials[name];
            var http = new TicketHttp(name, system, credential, scrubber, log, counters);
            clients.Add(http);
            var url = urls[name];
            actions[name] = system.Type switch
            {
                TicketSystemType.Rt => new RtTicketAction(http, url),
                TicketSystemType.Jira => new JiraTicketAction(http, url),
                TicketSystemType.ExtraHop => new ExtraHopTicketAction(http, url),
                _ => new WebhookTicketAction(http, url, credential.Auth == TicketAuth.Hmac ? credential.Secret : null),
            };
        }
        return new TicketSystems(actions, scrubber, clients);
    }

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }
}
