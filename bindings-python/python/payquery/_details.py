"""The providers' own responses, as ``QueryResult.detail`` returns them: one TypedDict per
provider, field names as the provider sends them. Keys in the ``…Optional`` bases may be
absent (the provider left them out); integers are exact Python ints.

Python 3.9 has no ``NotRequired``, so each type is a required base plus a ``total=False``
subclass.
"""

from __future__ import annotations

from typing import TypedDict, Union


class MoneyDict(TypedDict):
    """An exact amount: integer minor units of an ISO 4217 currency."""

    minor: int
    currency: str


# --------------------------------------------------------------------- WeChat Pay (shared)


class _GoodsDetailRequired(TypedDict):
    goods_id: str


class WechatPayGoodsDetail(_GoodsDetailRequired, total=False):
    quantity: int
    unit_price: int
    discount_amount: int
    goods_remark: str


class _PromotionRequired(TypedDict):
    coupon_id: str
    amount: int


class WechatPayPromotion(_PromotionRequired, total=False):
    name: str
    scope: str
    type: str
    stock_id: str
    wechatpay_contribute: int
    merchant_contribute: int
    other_contribute: int
    currency: str
    goods_detail: list[WechatPayGoodsDetail]


# --------------------------------------------------------------------- edu-papay


class _PayerRequired(TypedDict):
    openid: str


class EduPapayPayer(_PayerRequired, total=False):
    sub_openid: str


class _AmountRequired(TypedDict):
    total: int


class EduPapayAmount(_AmountRequired, total=False):
    payer_total: int
    discount_total: int
    currency: str


class _DeviceRequired(TypedDict):
    device_ip: str


class EduPapayDeviceInformation(_DeviceRequired, total=False):
    device_id: str


class _EduPapayRequired(TypedDict):
    sp_mchid: str
    appid: str
    out_trade_no: str
    trade_state: str
    amount: EduPapayAmount


class EduPapayTransaction(_EduPapayRequired, total=False):
    """``wechatpay_edu_papay``: the edu-papay transaction."""

    sub_mchid: str
    sub_appid: str
    transaction_id: str
    attach: str
    bank_type: str
    success_time: str
    trade_state_description: str
    payer: EduPapayPayer
    device_information: EduPapayDeviceInformation
    promotion_detail: list[WechatPayPromotion]


# --------------------------------------------------------------------- Pay Score oversea


class _PostPaymentRequired(TypedDict):
    name: str


class PostPayment(_PostPaymentRequired, total=False):
    amount: int
    description: str
    count: int


class _PostDiscountRequired(TypedDict):
    name: str
    description: str


class PostDiscount(_PostDiscountRequired, total=False):
    amount: int
    count: int


class _RiskFundRequired(TypedDict):
    name: str
    amount: int


class RiskFund(_RiskFundRequired, total=False):
    description: str


class CollectionDetail(TypedDict, total=False):
    seq: int
    amount: int
    paid_type: str
    paid_time: str
    transaction_id: str
    promotion_detail: list[WechatPayPromotion]


class _CollectionRequired(TypedDict):
    state: str


class Collection(_CollectionRequired, total=False):
    total_amount: int
    paying_amount: int
    paid_amount: int
    bank_type: str
    details: list[CollectionDetail]


class TimeRange(TypedDict, total=False):
    start_time: str
    end_time: str
    start_time_remark: str
    end_time_remark: str


class Location(TypedDict, total=False):
    start_location: str
    end_location: str


class _PayscoreRequired(TypedDict):
    out_order_no: str
    service_id: str
    appid: str
    mchid: str
    sub_mchid: str
    service_introduction: str
    state: str
    risk_fund: RiskFund
    time_range: TimeRange
    notify_url: str
    order_id: str


class PayscoreServiceOrder(_PayscoreRequired, total=False):
    """``wechatpay_payscore_oversea``: the Pay Score service order."""

    sub_appid: str
    state_description: str
    post_payments: list[PostPayment]
    post_discounts: list[PostDiscount]
    total_amount: int
    need_collection: bool
    collection: Collection
    location: Location
    attach: str
    openid: str
    sub_openid: str
    currency: str
    currency_price: int
    currency_rate_info: str


# --------------------------------------------------------------------- Mini Program charge


class PayInfo(TypedDict, total=False):
    applyPayTime: int
    finishPayTime: int


class OrderProductInfo(TypedDict, total=False):
    spSpuId: str
    spSkuId: str
    spBizId: int
    spuName: str
    skuName: str
    skuCnt: int
    validityBeginTime: int
    validityEndTime: int


class _InvoiceInfoRequired(TypedDict):
    invoiceStatus: int


class InvoiceInfo(_InvoiceInfoRequired, total=False):
    invoiceApplyTime: int


class Usage(TypedDict):
    used: int
    all: int


class _MiniChargeRequired(TypedDict):
    orderId: str
    status: int
    orderPrice: int


class MiniChargeOrder(_MiniChargeRequired, total=False):
    """``wechat_mini_charge``: the Mini Program charge order (WeChat's camelCase names)."""

    createTime: int
    updateTime: int
    payInfo: PayInfo
    orderProductInfo: OrderProductInfo
    invoiceInfo: InvoiceInfo
    usage: Usage


# --------------------------------------------------------------------- Fubei


class _FubeiRequired(TypedDict):
    trade_state: str


class FubeiOrder(_FubeiRequired, total=False):
    """``fubei``: the order, yuan amounts as exact money."""

    merchant_order_sn: str
    order_sn: str
    trade_no: str
    platform_order_no: str
    total_fee: MoneyDict
    order_price: MoneyDict
    fee: MoneyDict
    net_money: MoneyDict
    pay_time: int
    store_id: str
    cashier_id: str
    device_no: str
    body: str
    type: int
    discount_money: MoneyDict
    buyer_pay_amount: MoneyDict
    attach: str
    user_id: str
    user_logon_id: str
    cash_coupon_fee: MoneyDict
    no_cash_coupon_fee: MoneyDict


# --------------------------------------------------------------------- vending


class _RecordRequired(TypedDict):
    id: int | None
    product_id: int | None
    quantity: int | None
    notify_sent: bool


class DingshangRecord(_RecordRequired, total=False):
    price: MoneyDict
    status: str


class _DingshangRequired(TypedDict):
    order_id: str
    status: str
    records: list[DingshangRecord]


class DingshangOrder(_DingshangRequired, total=False):
    """``dingshang_vending``: the vending order."""

    trade_id: str
    date: str
    amount: MoneyDict
    notify_send_count: int
    pickup_code_id: int


ProviderDetail = Union[EduPapayTransaction, PayscoreServiceOrder, MiniChargeOrder, FubeiOrder, DingshangOrder]
"""The provider's typed response; ``order.provider`` says which."""
