import { validationFailed, type DomainError } from "../shared/domain-error.ts";
import { orderErrors } from "./order-errors.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { ILL_FORMED_TEXT } from "../shared/text.ts";
import { isSupportedCurrency, lineTotalCents, MAX_TOTAL_CENTS, SUPPORTED_CURRENCIES, type Currency } from "./money.ts";
import { nextStatus, OrderStatus, type OrderTransition } from "./order-status-machine.ts";

export interface Order {
  readonly id: string;
  readonly userId: string;
  readonly status: OrderStatus;
  readonly currency: Currency;
  readonly totalCents: number;
  /** Why the order was cancelled, when it was and a reason was given. */
  readonly cancellationReason: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly version: number;
}

export interface OrderItem {
  readonly orderId: string;
  /** 0-based place in the order as it was placed. */
  readonly position: number;
  readonly sku: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

export interface OrderItemInput {
  readonly sku: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

/** A validated order request: what `placeOrder` stores and what an idempotency key stands for. */
export interface OrderRequest {
  readonly currency: Currency;
  readonly items: readonly OrderItemInput[];
}

export const ORDER_LIMITS = {
  minItems: 1,
  maxItems: 100,
  maxQuantity: 10_000,
  maxUnitPriceCents: 100_000_000,
  maxSkuLength: 64,
  maxItemNameLength: 200,
  maxCancellationReasonLength: 500,
} as const;

/** Validates and normalizes an order request, reporting every problem at once. */
export function parseOrderRequest(input: { currency: string; items: readonly OrderItemInput[] }): Result<OrderRequest> {
  const errors: DomainError[] = [];
  const currency = input.currency.trim().toUpperCase();
  if (!isSupportedCurrency(currency)) {
    errors.push(validationFailed(`Currency must be one of ${SUPPORTED_CURRENCIES.join(", ")}.`, ["currency"]));
  }
  const { minItems, maxItems } = ORDER_LIMITS;
  if (input.items.length < minItems || input.items.length > maxItems) {
    errors.push(validationFailed(`An order has ${minItems} to ${maxItems} items; got ${input.items.length}.`, ["items"]));
  }
  const items = input.items.map((item, index) => parseItem(item, ["items", String(index)], errors));
  if (errors.length === 0) {
    const total = items.reduce((sum, item) => sum + lineTotalCents(item.quantity, item.unitPriceCents), 0);
    if (total > MAX_TOTAL_CENTS) {
      errors.push(validationFailed(`The order total must be at most ${MAX_TOTAL_CENTS} cents; these items total ${total}.`, ["items"]));
    }
  }
  if (errors.length > 0) return err(...errors);
  return ok({ currency: currency as Currency, items });
}

function parseItem(item: OrderItemInput, field: string[], errors: DomainError[]): OrderItemInput {
  const sku = item.sku.trim();
  const name = item.name.trim();
  const { maxSkuLength, maxItemNameLength, maxQuantity, maxUnitPriceCents } = ORDER_LIMITS;
  if (!sku.isWellFormed()) errors.push(validationFailed(ILL_FORMED_TEXT, [...field, "sku"]));
  else if (sku.length === 0 || sku.length > maxSkuLength) {
    errors.push(validationFailed(`SKU must be 1 to ${maxSkuLength} characters.`, [...field, "sku"]));
  }
  if (!name.isWellFormed()) errors.push(validationFailed(ILL_FORMED_TEXT, [...field, "name"]));
  else if (name.length === 0 || name.length > maxItemNameLength) {
    errors.push(validationFailed(`Item name must be 1 to ${maxItemNameLength} characters.`, [...field, "name"]));
  }
  if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > maxQuantity) {
    errors.push(validationFailed(`Quantity must be a whole number from 1 to ${maxQuantity}.`, [...field, "quantity"]));
  }
  if (!Number.isInteger(item.unitPriceCents) || item.unitPriceCents < 0 || item.unitPriceCents > maxUnitPriceCents) {
    errors.push(validationFailed(`Unit price must be a whole number of cents from 0 to ${maxUnitPriceCents}.`, [...field, "unitPriceCents"]));
  }
  return { sku, name, quantity: item.quantity, unitPriceCents: item.unitPriceCents };
}

export function newOrder(input: { id: string; userId: string; request: OrderRequest; now: Date }): { order: Order; items: OrderItem[] } {
  const items = input.request.items.map((item, position) => ({ orderId: input.id, position, ...item }));
  const totalCents = items.reduce((sum, item) => sum + lineTotalCents(item.quantity, item.unitPriceCents), 0);
  const order: Order = {
    id: input.id,
    userId: input.userId,
    status: OrderStatus.PENDING,
    currency: input.request.currency,
    totalCents,
    cancellationReason: null,
    createdAt: input.now,
    updatedAt: input.now,
    version: 1,
  };
  return { order, items };
}

/** Moves an order through the status machine, or says why it cannot move. */
export function transitionOrder(
  order: Order,
  transition: OrderTransition,
  now: Date,
  options: { reason?: string } = {},
): Result<Order> {
  const status = nextStatus(order.status, transition);
  if (status === null) {
    return err(orderErrors.invalidTransition(transition, order.status));
  }
  const reason = options.reason?.trim() || null;
  if (reason !== null && !reason.isWellFormed()) return err(validationFailed(ILL_FORMED_TEXT, ["reason"]));
  if (reason !== null && reason.length > ORDER_LIMITS.maxCancellationReasonLength) {
    return err(validationFailed(`Reason must be at most ${ORDER_LIMITS.maxCancellationReasonLength} characters.`, ["reason"]));
  }
  return ok({
    ...order,
    status,
    cancellationReason: transition === "cancel" ? reason : order.cancellationReason,
    updatedAt: now,
    version: order.version + 1,
  });
}
