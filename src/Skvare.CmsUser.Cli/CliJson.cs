using System.Text.Json.Serialization;

namespace Skvare.CmsUser.Cli;

/// <summary>Source-generated JSON for the few values the tool serialises directly.</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class CliJson : JsonSerializerContext;
