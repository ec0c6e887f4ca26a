using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Skvare.CmsUser;

/// <summary>What kind of CiviCRM set marks a contact.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TriggerKind>))]
public enum TriggerKind
{
    /// <summary>A group, static or smart.</summary>
    Group,

    /// <summary>A tag on the contact.</summary>
    Tag,

    /// <summary>A SearchKit saved search returning contacts. It cannot be left; processed contacts are excluded by the query.</summary>
    SavedSearch,
}

/// <summary>
/// Names a trigger (or a history target): a group, tag or saved search, by id or by name.
/// </summary>
public sealed class TriggerDefinition
{
    /// <summary>The kind of set.</summary>
    public TriggerKind Kind { get; set; } = TriggerKind.Group;

    /// <summary>The id (digits) or the machine name of the group, tag or saved search.</summary>
    [Required]
    public string Reference { get; set; } = "";

    /// <summary>Creates a definition.</summary>
    public TriggerDefinition()
    {
    }

    /// <summary>Creates a definition.</summary>
    /// <param name="kind">The kind of set.</param>
    /// <param name="reference">The id or name.</param>
    public TriggerDefinition(TriggerKind kind, string reference)
    {
        Kind = kind;
        Reference = reference;
    }

    /// <summary>A group trigger.</summary>
    /// <param name="reference">Group id or name.</param>
    public static TriggerDefinition Group(string reference) => new(TriggerKind.Group, reference);

    /// <summary>A tag trigger.</summary>
    /// <param name="reference">Tag id or name.</param>
    public static TriggerDefinition Tag(string reference) => new(TriggerKind.Tag, reference);

    /// <summary>A saved search trigger.</summary>
    /// <param name="reference">Saved search id or name.</param>
    public static TriggerDefinition SavedSearch(string reference) => new(TriggerKind.SavedSearch, reference);

    /// <inheritdoc />
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}:{Reference}";
}
