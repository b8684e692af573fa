using Aeg.Annotations;
using Aeg.Configuration;

namespace Aeg.Tests.Annotations;

public sealed class CefMappingsTests
{
    private static CefMappings Default => RepoMappings.Load();

    [Fact]
    public void Default_file_is_the_design_table()
    {
        var m = Default;
        Assert.Equal(("HP", "AEG", "Annotation Event"), (m.Header.DeviceVendor, m.Header.DeviceProduct, m.Header.Name));
        var expected = new (string Key, AnnotationField Source, string? Label)[]
        {
            ("shost", AnnotationField.HostName, null),
            ("duser", AnnotationField.ModifiedBy, null),
            ("cs1", AnnotationField.AuditTrail, "audit_trail"),
            ("cs2", AnnotationField.CurrentComment, "current_comment"),
            ("cs3", AnnotationField.Stage, "stage"),
            ("cs4", AnnotationField.FlagLabels, "flag_labels"),
            ("cs5", AnnotationField.MissedVersions, "missed_versions"),
            ("cs6", AnnotationField.Changes, "aeg_changes"),
            ("deviceCustomDate1", AnnotationField.ModificationTime, "modification_time"),
            ("deviceCustomDate2", AnnotationField.ManagerReceiptTime, "event_mrt"),
            ("cn1", AnnotationField.Version, "version"),
            ("cn2", AnnotationField.EventId, "event_id"),
            ("cn3", AnnotationField.Flags, "flags"),
        };
        Assert.Equal(expected, m.Fields.Select(f => (f.Key, f.Source, f.Label)).ToArray());
        Assert.Equal(["Queued", "Initial", "Follow-Up", "Final", "Closed"], m.SeverityByStage.Keys);
    }

    [Theory]
    [InlineData("fields:\n  - { key: cd1, source: modificationTime }\n", "fields[0].key", "deviceCustomDate1")]
    [InlineData("fields:\n  - { key: duser, source: modifiedBy, label: x }\n", "fields[0].label", "no label key")]
    [InlineData("fields:\n  - { key: cs1, source: nothing }\n", "fields[0].source", "")]
    [InlineData("fields:\n  - { key: cs1, source: stage }\n  - { key: cs1, source: stageUri }\n", "fields[1].key", "mapped twice")]
    [InlineData("fields:\n  - { key: \"bad key\", source: stage }\n", "fields[0].key", "not a CEF extension key")]
    [InlineData("severityByStage:\n  Queued: urgent\n", "severityByStage.Queued", "not a CEF severity")]
    [InlineData("header:\n  defaultSeverity: \"11\"\n", "header.defaultSeverity", "not a CEF severity")]
    [InlineData("flags:\n  0: \"a,b\"\n", "flags.0", "no comma")]
    [InlineData("flags:\n  63: x\n", "flags.63", "0–62")]
    [InlineData("header:\n  vendor: HP\n", "header.vendor", "unknown key")]
    public void Invalid_mappings_name_the_key(string yaml, string key, string reason)
    {
        var ex = Assert.Throws<ConfigException>(() => CefMappingsFile.Parse("m.yaml", yaml));
        var problem = Assert.Single(ex.Problems, p => p.Key == key);
        Assert.Contains(reason, problem.Reason);
        Assert.StartsWith("m.yaml: ", ex.Message);
    }
}
