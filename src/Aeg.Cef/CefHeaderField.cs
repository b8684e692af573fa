namespace Aeg.Cef;

/// <summary>The six CEF header fields after the version, in wire order.</summary>
public enum CefHeaderField : byte
{
    DeviceVendor = 0,
    DeviceProduct = 1,
    DeviceVersion = 2,
    DeviceEventClassId = 3,
    Name = 4,
    Severity = 5,
}
