using System.Text.Json;
using System.Text.Json.Serialization;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Cli;

/// <summary>Source-generated JSON for the few values the tool serialises directly.</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class CliJson : JsonSerializerContext
{
    /// <summary>The context with the tool's readable escaping (<see cref="ReadableJsonEncoder"/>).</summary>
    public static CliJson Readable { get; } = new(new JsonSerializerOptions { Encoder = ReadableJsonEncoder.Instance });
}
