using System.Text.RegularExpressions;

namespace Aeg.Rules;

/// <summary>
/// The extension keys an event can carry: the CEF dictionary (spec v25+, by key name as it appears on
/// the wire), ArcSight's own event fields that ESM's CEF forwarding sends, the numbered custom keys
/// and their labels, and <c>ad.*</c> additional data. Used to reject a rule that reads a key no
/// event will have (a typo, or a CEF full name such as <c>sourceAddress</c> where events carry <c>src</c>).
/// </summary>
public static partial class CefKeyDictionary
{
    // CEF key → full name, for keys whose wire name is short. A rule must use the key.
    private static readonly Dictionary<string, string> ShortKeys = new(StringComparer.Ordinal)
    {
        ["act"] = "deviceAction",
        ["app"] = "applicationProtocol",
        ["cat"] = "deviceEventCategory",
        ["cnt"] = "baseEventCount",
        ["dhost"] = "destinationHostName",
        ["dmac"] = "destinationMacAddress",
        ["dntdom"] = "destinationNtDomain",
        ["dpid"] = "destinationProcessId",
        ["dpriv"] = "destinationUserPrivileges",
        ["dproc"] = "destinationProcessName",
        ["dpt"] = "destinationPort",
        ["dst"] = "destinationAddress",
        ["dtz"] = "deviceTimeZone",
        ["duid"] = "destinationUserId",
        ["duser"] = "destinationUserName",
        ["dvc"] = "deviceAddress",
        ["dvchost"] = "deviceHostName",
        ["dvcmac"] = "deviceMacAddress",
        ["dvcpid"] = "deviceProcessId",
        ["end"] = "endTime",
        ["fname"] = "fileName",
        ["fsize"] = "fileSize",
        ["in"] = "bytesIn",
        ["msg"] = "message",
        ["out"] = "bytesOut",
        ["outcome"] = "eventOutcome",
        ["proto"] = "transportProtocol",
        ["request"] = "requestUrl",
        ["rt"] = "deviceReceiptTime",
        ["shost"] = "sourceHostName",
        ["smac"] = "sourceMacAddress",
        ["sntdom"] = "sourceNtDomain",
        ["spid"] = "sourceProcessId",
        ["spriv"] = "sourceUserPrivileges",
        ["sproc"] = "sourceProcessName",
        ["spt"] = "sourcePort",
        ["src"] = "sourceAddress",
        ["start"] = "startTime",
        ["suid"] = "sourceUserId",
        ["suser"] = "sourceUserName",
        ["agt"] = "agentAddress",
        ["ahost"] = "agentHostName",
        ["aid"] = "agentId",
        ["amac"] = "agentMacAddress",
        ["art"] = "agentReceiptTime",
        ["at"] = "agentType",
        ["atz"] = "agentTimeZone",
        ["av"] = "agentVersion",
        ["dlat"] = "destinationGeoLatitude",
        ["dlong"] = "destinationGeoLongitude",
        ["slat"] = "sourceGeoLatitude",
        ["slong"] = "sourceGeoLongitude",
        ["catdt"] = "categoryDeviceType",
        ["mrt"] = "managerReceiptTime",
    };

    // Keys whose wire name is the full name (no short form).
    private static readonly HashSet<string> LongKeys = new(StringComparer.Ordinal)
    {
        "destinationDnsDomain", "destinationServiceName", "destinationTranslatedAddress", "destinationTranslatedPort",
        "deviceDirection", "deviceDnsDomain", "deviceExternalId", "deviceFacility", "deviceInboundInterface",
        "deviceNtDomain", "deviceOutboundInterface", "devicePayloadId", "deviceProcessName", "deviceTranslatedAddress",
        "externalId", "fileCreateTime", "fileHash", "fileId", "fileModificationTime", "filePath", "filePermission",
        "fileType", "oldFileCreateTime", "oldFileHash", "oldFileId", "oldFileModificationTime", "oldFileName",
        "oldFilePath", "oldFilePermission", "oldFileSize", "oldFileType", "reason", "requestClientApplication",
        "requestContext", "requestCookies", "requestMethod", "sourceDnsDomain", "sourceServiceName",
        "sourceTranslatedAddress", "sourceTranslatedPort", "type", "eventId", "rawEvent",
        "agentDnsDomain", "agentNtDomain", "agentTranslatedAddress", "agentTranslatedZoneExternalID", "agentTranslatedZoneURI",
        "agentZoneExternalID", "agentZoneURI", "customerExternalID", "customerURI",
        "destinationTranslatedZoneExternalID", "destinationTranslatedZoneURI", "destinationZoneExternalID", "destinationZoneURI",
        "deviceTranslatedZoneExternalID", "deviceTranslatedZoneURI", "deviceZoneExternalID", "deviceZoneURI",
        "sourceTranslatedZoneExternalID", "sourceTranslatedZoneURI", "sourceZoneExternalID", "sourceZoneURI",
        // ArcSight event fields that ESM's CEF forwarding connector adds.
        "sessionId", "generatorID", "categorySignificance", "categoryBehavior", "categoryDeviceGroup", "categoryObject",
        "categoryOutcome", "categoryTechnique", "categoryTupleDescription", "modelConfidence", "relevance", "assetCriticality",
        "priority", "deviceSeverity", "locality", "sourceZoneID", "destinationZoneID", "deviceZoneID", "agentZoneID",
        "sourceGeoCountryCode", "sourceGeoLocationInfo", "sourceGeoPostalCode", "sourceGeoRegionCode",
        "destinationGeoCountryCode", "destinationGeoLocationInfo", "destinationGeoPostalCode", "destinationGeoRegionCode",
        "deviceGeoCountryCode", "deviceGeoLocationInfo", "agentSeverity", "_cefVer",
    };

    // Names people write for a key that has another name on the wire.
    private static readonly Dictionary<string, string> Misnamed = BuildMisnamed();

    private static Dictionary<string, string> BuildMisnamed()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["cd1"] = "deviceCustomDate1",
            ["cd2"] = "deviceCustomDate2",
        };
        foreach (var (key, full) in ShortKeys)
        {
            if (!LongKeys.Contains(full))
            {
                map.TryAdd(full, key);
            }
        }
        // The numbered custom keys: deviceCustomString3 is cs3 on the wire, and so on.
        foreach (var (prefix, full, count) in new[]
        {
            ("cs", "deviceCustomString", 6), ("cn", "deviceCustomNumber", 3), ("cfp", "deviceCustomFloatingPoint", 4),
            ("c6a", "deviceCustomIPv6Address", 4), ("flexString", "flexString", 2), ("deviceCustomDate", "deviceCustomDate", 2),
        })
        {
            for (var i = 1; i <= count; i++)
            {
                if (prefix != full)
                {
                    map[full + i] = prefix + i;
                    map[full + i + "Label"] = prefix + i + "Label";
                }
            }
        }
        return map;
    }

    /// <summary>
    /// Null when <paramref name="key"/> is an extension key events can carry (the dictionary, a custom key or its
    /// label, <c>ad.*</c>, or one of <paramref name="siteKeys"/>), else why not and what to write instead.
    /// </summary>
    public static string? Check(string key, IReadOnlyCollection<string>? siteKeys)
    {
        if (ShortKeys.ContainsKey(key) || LongKeys.Contains(key) || CustomKey().IsMatch(key) ||
            key.StartsWith("ad.", StringComparison.Ordinal) || (siteKeys?.Contains(key) ?? false))
        {
            return null;
        }
        if (Misnamed.TryGetValue(key, out var wire))
        {
            return $"'{key}' is not a key events carry: CEF sends it as '{wire}' (Aeg reads keys as sent): write {{{{{wire}}}}}";
        }
        var sameButCase = ShortKeys.Keys.Concat(LongKeys).FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
        var hint = sameButCase is not null ? $"did you mean '{sameButCase}'? keys are case-sensitive; " : "";
        return $"unknown CEF key '{key}' ({hint}not in the CEF dictionary, not a custom key like cs1/cn2/flexString1, not ad.*; " +
            "if your sources send it, list it in rules.extensionKeys)";
    }

    // cs1-6, cn1-3, cfp1-4, c6a1-4, flexString1-2, flexNumber1-2, flexDate1, deviceCustomDate1-2, and their labels.
    [GeneratedRegex(@"^(cs[1-6]|cn[1-3]|cfp[1-4]|c6a[1-4]|flexString[12]|flexNumber[12]|flexDate1|deviceCustomDate[12])(Label)?$")]
    private static partial Regex CustomKey();
}
