using System.ComponentModel.DataAnnotations;

namespace Skvare.CmsUser.AspNetCore;

/// <summary>Settings of the provisioning webhook, bound from <c>CmsUser:Webhook</c>.</summary>
public sealed class WebhookOptions
{
    /// <summary>The configuration section under <c>CmsUser</c>.</summary>
    public const string SectionName = "Webhook";

    /// <summary>The shared secret both sides use for the HMAC-SHA256 signature (at least 32 characters). Never logged.</summary>
    [Required]
    [StringLength(4096, MinimumLength = 32, ErrorMessage = "{0} must be at least {2} characters long.")] // not MinLength: its reflection is not trimming-safe
    public string Secret { get; set; } = "";

    /// <summary>How far the request timestamp may be from the server clock, either way. Default 5 minutes.</summary>
    // 5 seconds to 1 hour, checked by WebhookOptionsValidator ([Range(typeof(TimeSpan), …)] is not trimming-safe).
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest accepted body in bytes. Default 16 KiB.</summary>
    [Range(64, 1_048_576)]
    public int MaxBodyBytes { get; set; } = 16 * 1024;

    /// <summary>Whether callers may ask for a one-time login link in the response. Default <see langword="false"/>.</summary>
    public bool AllowLoginLinks { get; set; }

    /// <summary>
    /// Where accepted requests are remembered so replays are refused. Default <see cref="WebhookReplayStore.Memory"/>;
    /// with more than one instance behind a load balancer use <see cref="WebhookReplayStore.HybridCache"/> or
    /// <see cref="WebhookReplayStore.DistributedCache"/> over a shared cache.
    /// </summary>
    [EnumDataType(typeof(WebhookReplayStore))]
    public WebhookReplayStore ReplayStore { get; set; } = WebhookReplayStore.Memory;
}
