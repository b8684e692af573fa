using System.Text.Json;

namespace Aeg.Esm;

// CaseService in the JSON form the public clients use (findAllIds, getResourceById, getCaseEventIDs, update, insertResource).
public sealed partial class EsmClient
{
    /// <summary>CaseService.findAllIds: the resource ids of every case the user may read.</summary>
    public async Task<IReadOnlyList<string>> FindAllCaseIdsAsync(CancellationToken cancellationToken)
    {
        using var answer = await CallAsync("CaseService", "cas", "findAllIds", (_, _) => { }, cancellationToken).ConfigureAwait(false);
        return [.. EsmJson.Items(EsmJson.Return(answer, "cas", "findAllIds")).Select(EsmJson.Text)];
    }

    /// <summary>CaseService.getResourceById: the case resource as ESM returns it.</summary>
    public async Task<JsonElement> GetCaseAsync(string caseId, CancellationToken cancellationToken)
    {
        using var answer = await CallAsync("CaseService", "cas", "getResourceById", (w, p) => w.WriteString($"{p}.resourceId", caseId), cancellationToken).ConfigureAwait(false);
        return EsmJson.Return(answer, "cas", "getResourceById")?.Clone()
            ?? throw new EsmException($"ESM CaseService.getResourceById: no case {caseId}", EsmFailure.NotFound);
    }

    /// <summary>CaseService.getCaseEventIDs: the ids of the events in a case.</summary>
    public async Task<IReadOnlyList<long>> GetCaseEventIdsAsync(string caseId, CancellationToken cancellationToken)
    {
        using var answer = await CallAsync("CaseService", "cas", "getCaseEventIDs", (w, p) => w.WriteString($"{p}.caseId", caseId), cancellationToken).ConfigureAwait(false);
        return [.. EsmJson.Items(EsmJson.Return(answer, "cas", "getCaseEventIDs")).Select(e => e.ValueKind == JsonValueKind.Number ? e.GetInt64() : long.Parse(EsmJson.Text(e), System.Globalization.CultureInfo.InvariantCulture))];
    }

    /// <summary>CaseService.update: writes back a case resource (as read by <see cref="GetCaseAsync"/>, with changes).</summary>
    public async Task UpdateCaseAsync(JsonElement caseResource, CancellationToken cancellationToken)
    {
        using var answer = await CallAsync("CaseService", "cas", "update", (w, p) => EsmJson.Write(w, $"{p}.resource", caseResource), cancellationToken).ConfigureAwait(false);
        _ = EsmJson.Return(answer, "cas", "update");
    }

    /// <summary>CaseService.insertResource: creates a case in the group <paramref name="parentId"/>; returns its resource id.</summary>
    public async Task<string> InsertCaseAsync(string parentId, System.Text.Json.Nodes.JsonObject caseResource, CancellationToken cancellationToken)
    {
        using var answer = await CallAsync("CaseService", "cas", "insertResource", (w, p) =>
        {
            w.WritePropertyName($"{p}.resource");
            caseResource.WriteTo(w);
            w.WriteString($"{p}.parentId", parentId);
        }, cancellationToken).ConfigureAwait(false);
        return EsmJson.Return(answer, "cas", "insertResource") is { ValueKind: JsonValueKind.Object } created && created.TryGetProperty("resourceid", out var id)
            && EsmJson.Text(id) is { Length: > 0 } caseId
            ? caseId
            : throw new EsmException("ESM CaseService.insertResource: the answer names no resourceid", EsmFailure.Rejected);
    }
}
