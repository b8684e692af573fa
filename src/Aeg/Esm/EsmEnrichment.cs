using Aeg.Configuration;
using Aeg.Rules;
using Aeg.Tickets;
using Serilog;

namespace Aeg.Esm;

/// <summary>
/// The ESM client, the ticket-worker enricher for the rules that say <c>enrich: esm</c>, the active-list sink for
/// <c>esmActiveList</c> actions and the case sink for <c>esmCase</c> actions; each null when no rule needs it.
/// </summary>
public sealed record EsmEnrichment(EsmClient? Client, EsmEnricher? Enricher, EsmActiveListAction? ActiveLists = null, EsmCaseAction? Cases = null)
{
    /// <summary>
    /// Builds them when a rule needs them; a rule with <c>enrich: esm</c> and no <c>esm.url</c> is a
    /// <see cref="ConfigException"/> naming the rule (it would never get its fields).
    /// </summary>
    public static EsmEnrichment Create(IReadOnlyList<Rule> rules, EsmOptions? options, string missingValue, string configFile, ILogger log)
    {
        var enriched = rules.Where(r => r.Enrichment is not null).ToList();
        var listing = rules.Where(r => r.Actions.Any(a => a.Target is ActiveListWork.TargetName or EsmCaseWork.TargetName)).ToList();
        if (enriched.Count == 0 && listing.Count == 0)
        {
            return new EsmEnrichment(null, null);
        }
        var esm = options ?? new();
        if (!esm.IsConfigured)
        {
            throw new ConfigException(configFile, "esm.url", enriched.Count > 0
                ? $"rule(s) {string.Join(", ", enriched.Select(r => r.Name))} say 'enrich: esm', but the ESM Service Layer is not configured"
                : $"rule(s) {string.Join(", ", listing.Select(r => r.Name))} have esmActiveList or esmCase actions, but the ESM Service Layer is not configured");
        }
        var client = EsmService.CreateClient(esm, configFile, log);
        var activeLists = rules.Any(r => r.Actions.Any(a => a.Target == ActiveListWork.TargetName)) ? new EsmActiveListAction(client) : null;
        var cases = rules.Any(r => r.Actions.Any(a => a.Target == EsmCaseWork.TargetName)) ? new EsmCaseAction(client) : null;
        if (enriched.Count == 0)
        {
            log.Information("ESM Service Layer {Url}: {Count} rule(s) change active lists or cases", new Uri(esm.Url!).GetLeftPart(UriPartial.Authority), listing.Count);
            return new EsmEnrichment(client, null, activeLists, cases);
        }
        var byName = rules.ToDictionary(r => r.Name, StringComparer.Ordinal);
        var source = new CachedEsmEventSource(client, new EsmEventCache(esm.CacheSize, esm.CacheTtl));
        var enricher = new EsmEnricher(source, name => byName.GetValueOrDefault(name), missingValue, esm.MissingValue, log);
        log.Information("ESM Service Layer {Url}: {Count} rule(s) enrich their tickets with the full ESM event", new Uri(esm.Url!).GetLeftPart(UriPartial.Authority), enriched.Count);
        return new EsmEnrichment(client, enricher, activeLists, cases);
    }
}
