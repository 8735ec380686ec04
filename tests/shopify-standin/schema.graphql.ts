// The subset of Shopify's Admin GraphQL schema (API 2026-10) that the stand-in serves. Names and
// types follow shopify.dev's reference; anything not listed here does not exist in the stand-in.
export const ADMIN_SDL = /* GraphQL */ `
  schema {
    query: QueryRoot
    mutation: Mutation
  }

  "An ISO 8601 date and time in UTC, e.g. 2026-11-01T09:30:00Z."
  scalar DateTime
  "A signed decimal number serialised as a string, e.g. \\"29.99\\"."
  scalar Decimal
  "An unsigned 64-bit integer serialised as a string."
  scalar UnsignedInt64
  "An RFC 3986 URL."
  scalar URL

  interface Node {
    id: ID!
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  enum CurrencyCode {
    AUD
    CAD
    CHF
    DKK
    EUR
    GBP
    JPY
    NOK
    NZD
    SEK
    USD
  }

  type MoneyV2 {
    amount: Decimal!
    currencyCode: CurrencyCode!
  }

  type MoneyBag {
    shopMoney: MoneyV2!
    presentmentMoney: MoneyV2!
  }

  enum CountPrecision {
    AT_LEAST
    EXACT
  }

  type Count {
    count: Int!
    precision: CountPrecision!
  }

  type MailingAddress implements Node {
    id: ID!
    address1: String
    address2: String
    city: String
    company: String
    country: String
    countryCodeV2: String
    firstName: String
    lastName: String
    name: String
    phone: String
    province: String
    provinceCode: String
    zip: String
  }

  enum CustomerState {
    DECLINED
    DISABLED
    ENABLED
    INVITED
  }

  type CustomerEmailAddress {
    emailAddress: String
  }

  type CustomerPhoneNumber {
    phoneNumber: String!
  }

  enum CustomerSortKeys {
    CREATED_AT
    ID
    LOCATION
    NAME
    RELEVANCE
    UPDATED_AT
  }

  type Customer implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    email: String
    phone: String
    firstName: String
    lastName: String
    displayName: String!
    state: CustomerState!
    tags: [String!]!
    verifiedEmail: Boolean!
    validEmailAddress: Boolean!
    note: String
    taxExempt: Boolean!
    canDelete: Boolean!
    numberOfOrders: UnsignedInt64!
    amountSpent: MoneyV2!
    lastOrder: Order
    createdAt: DateTime!
    updatedAt: DateTime!
    defaultEmailAddress: CustomerEmailAddress
    defaultPhoneNumber: CustomerPhoneNumber
    defaultAddress: MailingAddress
    addresses(first: Int): [MailingAddress!]!
    orders(
      first: Int
      after: String
      last: Int
      before: String
      query: String
      sortKey: OrderSortKeys = ID
      reverse: Boolean = false
    ): OrderConnection!
  }

  type CustomerEdge {
    cursor: String!
    node: Customer!
  }

  type CustomerConnection {
    edges: [CustomerEdge!]!
    nodes: [Customer!]!
    pageInfo: PageInfo!
  }

  enum OrderCancelReason {
    CUSTOMER
    DECLINED
    FRAUD
    INVENTORY
    OTHER
    STAFF
  }

  enum OrderDisplayFinancialStatus {
    AUTHORIZED
    EXPIRED
    PAID
    PARTIALLY_PAID
    PARTIALLY_REFUNDED
    PENDING
    REFUNDED
    VOIDED
  }

  enum OrderDisplayFulfillmentStatus {
    FULFILLED
    FULFILLMENT_NOT_REQUIRED
    IN_PROGRESS
    ON_HOLD
    OPEN
    PARTIALLY_FULFILLED
    PENDING_FULFILLMENT
    REQUEST_DECLINED
    RESTOCKED
    SCHEDULED
    UNFULFILLED
  }

  enum OrderSortKeys {
    CREATED_AT
    CUSTOMER_NAME
    FINANCIAL_STATUS
    FULFILLMENT_STATUS
    ID
    ORDER_NUMBER
    PO_NUMBER
    PROCESSED_AT
    RELEVANCE
    TOTAL_ITEMS_QUANTITY
    TOTAL_PRICE
    UPDATED_AT
  }

  type Order implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    name: String!
    email: String
    phone: String
    customer: Customer
    createdAt: DateTime!
    updatedAt: DateTime!
    processedAt: DateTime!
    cancelledAt: DateTime
    cancelReason: OrderCancelReason
    closed: Boolean!
    closedAt: DateTime
    confirmed: Boolean!
    test: Boolean!
    tags: [String!]!
    note: String
    sourceName: String
    displayFinancialStatus: OrderDisplayFinancialStatus
    displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
    fullyPaid: Boolean!
    unpaid: Boolean!
    currencyCode: CurrencyCode!
    presentmentCurrencyCode: CurrencyCode!
    totalPriceSet: MoneyBag!
    subtotalPriceSet: MoneyBag
    currentTotalPriceSet: MoneyBag!
    currentSubtotalPriceSet: MoneyBag!
    totalTaxSet: MoneyBag
    totalDiscountsSet: MoneyBag
    totalShippingPriceSet: MoneyBag!
    shippingAddress: MailingAddress
    lineItems(
      first: Int
      after: String
      last: Int
      before: String
      reverse: Boolean = false
    ): LineItemConnection!
  }

  type OrderEdge {
    cursor: String!
    node: Order!
  }

  type OrderConnection {
    edges: [OrderEdge!]!
    nodes: [Order!]!
    pageInfo: PageInfo!
  }

  type Product implements Node {
    id: ID!
    title: String!
  }

  type ProductVariant implements Node {
    id: ID!
    title: String!
    sku: String
    product: Product!
  }

  type LineItem implements Node {
    id: ID!
    name: String!
    title: String!
    variantTitle: String
    sku: String
    vendor: String
    quantity: Int!
    currentQuantity: Int!
    requiresShipping: Boolean!
    isGiftCard: Boolean!
    originalUnitPriceSet: MoneyBag!
    discountedUnitPriceSet: MoneyBag!
    originalTotalSet: MoneyBag!
    product: Product
    variant: ProductVariant
  }

  type LineItemEdge {
    cursor: String!
    node: LineItem!
  }

  type LineItemConnection {
    edges: [LineItemEdge!]!
    nodes: [LineItem!]!
    pageInfo: PageInfo!
  }

  type ShopPlan {
    displayName: String!
    publicDisplayName: String!
    partnerDevelopment: Boolean!
    shopifyPlus: Boolean!
  }

  type Shop implements Node {
    id: ID!
    name: String!
    email: String!
    myshopifyDomain: String!
    url: URL!
    currencyCode: CurrencyCode!
    ianaTimezone: String!
    plan: ShopPlan!
    createdAt: DateTime!
  }

  type AccessScope {
    handle: String!
    description: String!
  }

  type AppInstallation implements Node {
    id: ID!
    accessScopes: [AccessScope!]!
  }

  enum BulkOperationStatus {
    CANCELED
    CANCELING
    COMPLETED
    CREATED
    EXPIRED
    FAILED
    RUNNING
  }

  enum BulkOperationErrorCode {
    ACCESS_DENIED
    INTERNAL_SERVER_ERROR
    TIMEOUT
  }

  enum BulkOperationType {
    MUTATION
    QUERY
  }

  enum BulkOperationsSortKeys {
    COMPLETED_AT
    CREATED_AT
  }

  type BulkOperation implements Node {
    id: ID!
    status: BulkOperationStatus!
    errorCode: BulkOperationErrorCode
    objectCount: UnsignedInt64!
    rootObjectCount: UnsignedInt64!
    fileSize: UnsignedInt64
    url: URL
    partialDataUrl: URL
    createdAt: DateTime!
    completedAt: DateTime
    query: String!
    type: BulkOperationType!
  }

  type BulkOperationEdge {
    cursor: String!
    node: BulkOperation!
  }

  type BulkOperationConnection {
    edges: [BulkOperationEdge!]!
    nodes: [BulkOperation!]!
    pageInfo: PageInfo!
  }

  enum BulkOperationUserErrorCode {
    INVALID
    LIMIT_REACHED
    OPERATION_IN_PROGRESS
  }

  type BulkOperationUserError {
    code: BulkOperationUserErrorCode
    field: [String!]
    message: String!
  }

  type UserError {
    field: [String!]
    message: String!
  }

  type BulkOperationRunQueryPayload {
    bulkOperation: BulkOperation
    userErrors: [BulkOperationUserError!]!
  }

  type BulkOperationCancelPayload {
    bulkOperation: BulkOperation
    userErrors: [UserError!]!
  }

  type QueryRoot {
    shop: Shop!
    currentAppInstallation: AppInstallation!
    node(id: ID!): Node
    nodes(ids: [ID!]!): [Node]!
    customer(id: ID!): Customer
    customers(
      first: Int
      after: String
      last: Int
      before: String
      query: String
      sortKey: CustomerSortKeys = ID
      reverse: Boolean = false
    ): CustomerConnection!
    customersCount(query: String, limit: Int = 10000): Count
    order(id: ID!): Order
    orders(
      first: Int
      after: String
      last: Int
      before: String
      query: String
      sortKey: OrderSortKeys = PROCESSED_AT
      reverse: Boolean = false
    ): OrderConnection!
    ordersCount(query: String, limit: Int = 10000): Count
    bulkOperation(id: ID!): BulkOperation
    bulkOperations(
      first: Int
      after: String
      last: Int
      before: String
      query: String
      sortKey: BulkOperationsSortKeys = CREATED_AT
      reverse: Boolean = false
    ): BulkOperationConnection!
    currentBulkOperation(type: BulkOperationType = QUERY): BulkOperation
  }

  type Mutation {
    bulkOperationRunQuery(query: String!, groupObjects: Boolean): BulkOperationRunQueryPayload
    bulkOperationCancel(id: ID!): BulkOperationCancelPayload
  }
`;
