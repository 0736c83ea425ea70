import Billing
import Storage
import Support

/// The domain services the admin API calls, built once at startup.
public struct AdminServices: Sendable {
    public let database: Database
    /// Counters for `/metrics`.
    public let metrics = AppMetrics()
    public let clock: any WallClock
    public let settings: BillingSettings
    public let tenants: TenantService
    public let apiKeys: APIKeyService
    public let users: UserService
    public let sessions: SessionService
    public let audit: AuditService
    public let plans: PlanService
    public let subscriptions: SubscriptionService
    public let invoices: InvoiceService
    public let paymentMethods: PaymentMethodService
    public let jobs: JobRunner
    public let jobScheduler: JobScheduler
    public let usage: UsageService
    public let ingestor: UsageIngestor
    public let quotas: QuotaService
    /// Gateway charges (Asaas); every call throws `GatewayError.disabled` when `gateway` is nil.
    public let payments: PaymentService
    public let gatewayEvents: GatewayEventService
    /// PDF renders per principal per minute (drawing a PDF costs far more CPU than any other read).
    public let pdfRenders: WindowRateLimiter
    /// What needs the operator (held gateway events, mismatched charges); super-admins only.
    public let operatorAlerts: OperatorAlertService
    public let notifications: NotificationService
    public let webhooks: WebhookService
    public let delivery: NotificationDelivery
    public let webhookLoop: WebhookDeliveryLoop
    /// Runs `test_webhook_endpoint` off the request workers, 2 per tenant at a time.
    public let endpointTests = EndpointTestPool()

    /// `webhookResolver`: how webhook hosts are resolved for the URL policy (getaddrinfo; tests answer for made-up names).
    public init(database: Database, clock: any WallClock, settings: BillingSettings, gateway: (any PaymentGateway)? = nil,
                webhookResolver: @escaping WebhookURLPolicy.Resolver = WebhookURLPolicy.systemResolver) {
        self.database = database
        self.clock = clock
        self.settings = settings
        let authCache = AuthCache()
        tenants = TenantService(database: database, clock: clock, cache: authCache)
        apiKeys = APIKeyService(database: database, clock: clock, cache: authCache)
        users = UserService(database: database, clock: clock, settings: settings)
        let limiter = WindowRateLimiter(database: database, limit: settings.loginAttemptsPerWindow, windowSeconds: settings.loginWindowSeconds, clock: clock)
        sessions = SessionService(database: database, clock: clock, settings: settings, limiter: limiter)
        audit = AuditService(database: database)
        plans = PlanService(database: database, clock: clock)
        subscriptions = SubscriptionService(database: database, clock: clock, settings: settings)
        invoices = InvoiceService(database: database, clock: clock)
        paymentMethods = PaymentMethodService(database: database, clock: clock, settings: settings)
        delivery = DeliveryTransports.makeDelivery(database: database, clock: clock, settings: settings, webhookResolver: webhookResolver)
        payments = PaymentService(database: database, clock: clock, gateway: gateway, paymentMethods: paymentMethods)
        gatewayEvents = GatewayEventService(database: database, clock: clock)
        pdfRenders = WindowRateLimiter(database: database, limit: settings.pdfRendersPerMinute, windowSeconds: 60, clock: clock)
        operatorAlerts = OperatorAlertService(database: database, clock: clock)
        jobs = JobRunner(database: database, clock: clock, settings: settings,
                         charger: gateway == nil ? nil : GatewayInvoiceCharger(payments: payments), delivery: delivery)
        jobScheduler = JobScheduler(runner: jobs, settings: settings)
        usage = UsageService(database: database, clock: clock, settings: settings)
        ingestor = UsageIngestor(database: database, clock: clock, settings: settings)
        quotas = QuotaService(database: database, clock: clock, settings: settings)
        notifications = NotificationService(database: database, clock: clock)
        webhooks = WebhookService(database: database, clock: clock, settings: settings.notifications, dispatcher: delivery.webhooks)
        webhookLoop = WebhookDeliveryLoop(dispatcher: delivery.webhooks, interval: settings.notifications.webhookPollSeconds)
    }
}
