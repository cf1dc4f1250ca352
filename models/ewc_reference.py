"""Reference structure of the European List of Waste (EWC / LoW), in English and Swedish.

Sources:

* Commission Decision 2000/532/EC establishing a list of wastes, as amended by Commission
  Decision 2014/955/EU (the European List of Waste).
* English headings and descriptions: the UK retained List of Waste as published by DEFRA.
  Contains public sector information licensed under the Open Government Licence v3.0.
* Swedish headings and descriptions: Avfallsförordningen (2020:614), bilaga 3, which
  reproduces the Swedish version of the list.

This module holds only the chapter and sub-chapter headings and a curated set of codes that
are common in the industries of Värmland, Dalarna and Gävleborg (sawmills, pulp and paper,
steel and foundries, energy, construction). The complete list is imported into the
database by `taxonomy import-ewc`; see `models.taxonomy`.

Codes are six digits without spaces ("030105"). Entries marked with an asterisk in the list
are hazardous (`hazardous=True`). Mirror entries are those that form a pair of a hazardous
entry ("... containing hazardous substances") and a non-hazardous entry ("... other than
those mentioned in ..."); both members have `mirror=True`, as classified ("Mirror hazardous"
/ "Mirror non-hazardous") in the DEFRA data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommonCode:
    """One curated entry of the List of Waste."""

    code: str
    """Six digits, no spaces, e.g. "030105"."""
    hazardous: bool
    """True for entries marked * in the list."""
    mirror: bool
    """True for mirror entries (both the hazardous and the non-hazardous member of a pair)."""
    en: str
    """Official English description."""
    sv: str
    """Swedish description, following Avfallsförordningen (2020:614) bilaga 3."""


CHAPTERS: dict[str, tuple[str, str]] = {
    "01": (
        (
            "Wastes resulting from exploration, mining, quarrying, and physical and chemical "
            "treatment of minerals"
        ),
        (
            "Avfall från prospektering, gruvdrift, stenbrytning samt fysikalisk och kemisk "
            "behandling av mineral"
        ),
    ),
    "02": (
        (
            "Wastes from agriculture, horticulture, aquaculture, forestry, hunting and fishing, "
            "food preparation and processing"
        ),
        (
            "Avfall från jordbruk, trädgårdsodling, vattenbruk, skogsbruk, jakt och fiske samt "
            "från beredning och bearbetning av livsmedel"
        ),
    ),
    "03": (
        (
            "Wastes from wood processing and the production of panels and furniture, pulp, paper "
            "and cardboard"
        ),
        "Avfall från träbearbetning och tillverkning av skivor och möbler, massa, papper och papp",
    ),
    "04": (
        "Wastes from the leather, fur and textile industries",
        "Avfall från läder-, päls- och textilindustrin",
    ),
    "05": (
        "Wastes from petroleum refining, natural gas purification and pyrolytic treatment of coal",
        "Avfall från petroleumraffinering, naturgasrening och pyrolys av kol",
    ),
    "06": (
        "Wastes from inorganic chemical processes",
        "Avfall från oorganiska kemiska processer",
    ),
    "07": (
        "Wastes from organic chemical processes",
        "Avfall från organiska kemiska processer",
    ),
    "08": (
        (
            "Wastes from the manufacture, formulation, supply and use (mfsu) of coatings (paints, "
            "varnishes and vitreous enamels), adhesives, sealants and printing inks"
        ),
        (
            "Avfall från tillverkning, formulering, distribution och användning (TFDA) av "
            "ytbeläggningsmaterial (färg, lack och glasyr), lim, fogmassor och tryckfärger"
        ),
    ),
    "09": (
        "Wastes from the photographic industry",
        "Avfall från fotografisk industri",
    ),
    "10": (
        "Wastes from thermal processes",
        "Avfall från termiska processer",
    ),
    "11": (
        (
            "Wastes from chemical surface treatment and coating of metals and other materials; "
            "non-ferrous hydro-metallurgy"
        ),
        (
            "Avfall från kemisk ytbehandling och beläggning av metaller och andra material; "
            "hydrometallurgi för icke-järnmetaller"
        ),
    ),
    "12": (
        "Wastes from shaping and physical and mechanical surface treatment of metals and plastics",
        "Avfall från formning samt fysikalisk och mekanisk ytbehandling av metaller och plaster",
    ),
    "13": (
        (
            "Oil wastes and wastes of liquid fuels (except edible oils, and those in chapters 05, "
            "12 and 19)"
        ),
        (
            "Oljeavfall och avfall av flytande bränslen (utom ätliga oljor och sådant som anges i "
            "kapitel 05, 12 och 19)"
        ),
    ),
    "14": (
        "Waste organic solvents, refrigerants and propellants (except 07 and 08)",
        "Avfall av organiska lösningsmedel, köldmedier och drivgaser (utom 07 och 08)",
    ),
    "15": (
        (
            "Waste packaging, absorbents, wiping cloths, filter materials and protective clothing "
            "not otherwise specified"
        ),
        (
            "Förpackningsavfall, absorbenter, torkdukar, filtermaterial och skyddskläder som inte "
            "anges på annan plats"
        ),
    ),
    "16": (
        "Wastes not otherwise specified in the list",
        "Avfall som inte anges på annan plats i förteckningen",
    ),
    "17": (
        "Construction and demolition wastes (including excavated soil from contaminated sites)",
        "Bygg- och rivningsavfall (inklusive uppgrävda massor från förorenade områden)",
    ),
    "18": (
        (
            "Wastes from human or animal health care and/or related research (except kitchen and "
            "restaurant wastes not arising from immediate health care)"
        ),
        (
            "Avfall från hälso- och sjukvård av människor eller djur och/eller därmed förknippad "
            "forskning (utom köks- och restaurangavfall som inte härrör från direkt patientvård)"
        ),
    ),
    "19": (
        (
            "Wastes from waste management facilities, off-site waste water treatment plants and "
            "the preparation of water intended for human consumption and water for industrial use"
        ),
        (
            "Avfall från avfallshanteringsanläggningar, externa avloppsreningsverk samt "
            "framställning av dricksvatten och vatten för industriellt bruk"
        ),
    ),
    "20": (
        (
            "Municipal wastes (household waste and similar commercial, industrial and "
            "institutional wastes) including separately collected fractions"
        ),
        (
            "Kommunalt avfall (hushållsavfall och liknande handels-, industri- och "
            "institutionsavfall), inklusive separat insamlade fraktioner"
        ),
    ),
}
"""List of Waste chapters: two-digit code -> (English heading, Swedish heading)."""

SUB_CHAPTERS: dict[str, tuple[str, str]] = {
    "0101": (
        "Wastes from mineral excavation",
        "Avfall från utvinning av mineral",
    ),
    "0103": (
        "Wastes from physical and chemical processing of metalliferous minerals",
        "Avfall från fysikalisk och kemisk bearbetning av metallhaltiga mineral",
    ),
    "0104": (
        "Wastes from physical and chemical processing of non-metalliferous minerals",
        "Avfall från fysikalisk och kemisk bearbetning av icke-metallhaltiga mineral",
    ),
    "0105": (
        "Drilling muds and other drilling wastes",
        "Borrslam och annat borravfall",
    ),
    "0201": (
        "Wastes from agriculture, horticulture, aquaculture, forestry, hunting and fishing",
        "Avfall från jordbruk, trädgårdsodling, vattenbruk, skogsbruk, jakt och fiske",
    ),
    "0202": (
        "Wastes from the preparation and processing of meat, fish and other foods of animal origin",
        (
            "Avfall från beredning och bearbetning av kött, fisk och andra livsmedel av animaliskt "
            "ursprung"
        ),
    ),
    "0203": (
        (
            "Wastes from fruit, vegetables, cereals, edible oils, cocoa, coffee, tea and tobacco "
            "preparation and processing; conserve production; yeast and yeast extract production, "
            "molasses preparation and fermentation"
        ),
        (
            "Avfall från beredning och bearbetning av frukt, grönsaker, spannmål, matoljor, kakao, "
            "kaffe, te och tobak; konservtillverkning; tillverkning av jäst och jästextrakt samt "
            "beredning och jäsning av melass"
        ),
    ),
    "0204": (
        "Wastes from sugar processing",
        "Avfall från sockerframställning",
    ),
    "0205": (
        "Wastes from the dairy products industry",
        "Avfall från mejeriindustrin",
    ),
    "0206": (
        "Wastes from the baking and confectionery industry",
        "Avfall från bageri- och konfektyrindustrin",
    ),
    "0207": (
        (
            "Wastes from the production of alcoholic and non-alcoholic beverages (except coffee, "
            "tea and cocoa)"
        ),
        (
            "Avfall från tillverkning av alkoholhaltiga och alkoholfria drycker (utom kaffe, te "
            "och kakao)"
        ),
    ),
    "0301": (
        "Wastes from wood processing and the production of panels and furniture",
        "Avfall från träbearbetning och tillverkning av skivor och möbler",
    ),
    "0302": (
        "Wastes from wood preservation",
        "Avfall från träskyddsbehandling",
    ),
    "0303": (
        "Wastes from pulp, paper and cardboard production and processing",
        "Avfall från tillverkning och bearbetning av massa, papper och papp",
    ),
    "0401": (
        "Wastes from the leather and fur industry",
        "Avfall från läder- och pälsindustrin",
    ),
    "0402": (
        "Wastes from the textile industry",
        "Avfall från textilindustrin",
    ),
    "0501": (
        "Wastes from petroleum refining",
        "Avfall från petroleumraffinering",
    ),
    "0506": (
        "Wastes from the pyrolytic treatment of coal",
        "Avfall från pyrolys av kol",
    ),
    "0507": (
        "Wastes from natural gas purification and transportation",
        "Avfall från rening och transport av naturgas",
    ),
    "0601": (
        "Wastes from the manufacture, formulation, supply and use (mfsu) of acids",
        "Avfall från tillverkning, formulering, distribution och användning (TFDA) av syror",
    ),
    "0602": (
        "Wastes from the mfsu of bases",
        "Avfall från TFDA av baser",
    ),
    "0603": (
        "Wastes from the mfsu of salts and their solutions and metallic oxides",
        "Avfall från TFDA av salter och lösningar av salter samt metalloxider",
    ),
    "0604": (
        "Metal-containing wastes other than those mentioned in 06 03",
        "Metallhaltigt avfall som inte anges i 06 03",
    ),
    "0605": (
        "Sludges from on-site effluent treatment",
        "Slam från rening av avloppsvatten på produktionsplatsen",
    ),
    # The DEFRA data repeats the 06 05 heading here; this is the heading of 06 06 in
    # Decision 2000/532/EC as amended.
    "0606": (
        (
            "Wastes from the mfsu of sulphur chemicals, sulphur chemical processes and "
            "desulphurisation processes"
        ),
        (
            "Avfall från TFDA av svavelföreningar, från kemiska processer med svavel och från "
            "avsvavlingsprocesser"
        ),
    ),
    "0607": (
        "Wastes from the mfsu of halogens and halogen chemical processes",
        "Avfall från TFDA av halogener och från kemiska processer med halogener",
    ),
    "0608": (
        "Wastes from the mfsu of silicon and silicon derivatives",
        "Avfall från TFDA av kisel och kiselderivat",
    ),
    "0609": (
        "Wastes from the msfu of phosphorous chemicals and phosphorous chemical processes",
        "Avfall från TFDA av fosforföreningar och från kemiska processer med fosfor",
    ),
    "0610": (
        (
            "Wastes from the mfsu of nitrogen chemicals, nitrogen chemical processes and "
            "fertiliser manufacture"
        ),
        (
            "Avfall från TFDA av kväveföreningar, från kemiska processer med kväve och från "
            "tillverkning av gödselmedel"
        ),
    ),
    "0611": (
        "Wastes from the manufacture of inorganic pigments and opacificiers",
        "Avfall från tillverkning av oorganiska pigment och opakmedel",
    ),
    "0613": (
        "Wastes from inorganic chemical processes not otherwise specified",
        "Avfall från oorganiska kemiska processer som inte anges på annan plats",
    ),
    "0701": (
        (
            "Wastes from the manufacture, formulation, supply and use (mfsu) of basic organic "
            "chemicals"
        ),
        (
            "Avfall från tillverkning, formulering, distribution och användning (TFDA) av "
            "organiska baskemikalier"
        ),
    ),
    "0702": (
        "Wastes from the mfsu of plastics, synthetic rubber and man-made fibres",
        "Avfall från TFDA av plaster, syntetgummi och konstfibrer",
    ),
    "0703": (
        "Wastes from the mfsu of organic dyes and pigments (except 06 11)",
        "Avfall från TFDA av organiska färgämnen och pigment (utom 06 11)",
    ),
    "0704": (
        (
            "Wastes from the mfsu of organic plant protection products (except 02 01 08 and 02 01 "
            "09), wood preserving agents (except 03 02) and other biocides"
        ),
        (
            "Avfall från TFDA av organiska växtskyddsmedel (utom 02 01 08 och 02 01 09), "
            "träskyddsmedel (utom 03 02) och andra biocider"
        ),
    ),
    "0705": (
        "Wastes from the mfsu of pharmaceuticals",
        "Avfall från TFDA av läkemedel",
    ),
    "0706": (
        "Wastes from the mfsu of fats, grease, soaps, detergents, disinfectants and cosmetics",
        (
            "Avfall från TFDA av fetter, smörjfetter, tvål, rengöringsmedel, desinfektionsmedel "
            "och kosmetika"
        ),
    ),
    "0707": (
        "Wastes from the mfsu of fine chemicals and chemical products not otherwise specified",
        "Avfall från TFDA av finkemikalier och kemiska produkter som inte anges på annan plats",
    ),
    "0801": (
        "Wastes from mfsu and removal of paint and varnish",
        "Avfall från TFDA och borttagning av färg och lack",
    ),
    "0802": (
        "Wastes from mfsu of other coatings (including ceramic materials)",
        "Avfall från TFDA av andra ytbeläggningsmaterial (inklusive keramiska material)",
    ),
    "0803": (
        "Wastes from mfsu of printing inks",
        "Avfall från TFDA av tryckfärger",
    ),
    "0804": (
        "Wastes from mfsu of adhesives and sealants (including waterproofing products)",
        "Avfall från TFDA av lim och fogmassor (inklusive tätningsprodukter)",
    ),
    "0805": (
        "Wastes not otherwise specified in 08",
        "Avfall som inte anges på annan plats i 08",
    ),
    "0901": (
        "Wastes from the photographic industry",
        "Avfall från fotografisk industri",
    ),
    "1001": (
        "Wastes from power stations and other combustion plants (except 19)",
        "Avfall från kraftverk och andra förbränningsanläggningar (utom 19)",
    ),
    "1002": (
        "Wastes from the iron and steel industry",
        "Avfall från järn- och stålindustrin",
    ),
    "1003": (
        "Wastes from aluminium thermal metallurgy",
        "Avfall från termisk metallurgi för aluminium",
    ),
    "1004": (
        "Wastes from lead thermal metallurgy",
        "Avfall från termisk metallurgi för bly",
    ),
    "1005": (
        "Wastes from zinc thermal metallurgy",
        "Avfall från termisk metallurgi för zink",
    ),
    "1006": (
        "Wastes from copper thermal metallurgy",
        "Avfall från termisk metallurgi för koppar",
    ),
    "1007": (
        "Wastes from silver, gold and platinum thermal metallurgy",
        "Avfall från termisk metallurgi för silver, guld och platina",
    ),
    "1008": (
        "Wastes from other non-ferrous thermal metallurgy",
        "Avfall från annan termisk metallurgi för icke-järnmetaller",
    ),
    "1009": (
        "Wastes from casting of ferrous pieces",
        "Avfall från gjutning av järnmetaller",
    ),
    "1010": (
        "Wastes from casting of non-ferrous pieces",
        "Avfall från gjutning av icke-järnmetaller",
    ),
    "1011": (
        "Wastes from manufacture of glass and glass products",
        "Avfall från tillverkning av glas och glasprodukter",
    ),
    "1012": (
        "Wastes from manufacture of ceramic goods, bricks, tiles and construction products",
        "Avfall från tillverkning av keramiska produkter, tegel, klinker och byggprodukter",
    ),
    "1013": (
        (
            "Wastes from manufacture of cement, lime and plaster and articles and products made "
            "from them"
        ),
        (
            "Avfall från tillverkning av cement, kalk och gips samt av artiklar och produkter "
            "tillverkade av dessa"
        ),
    ),
    "1014": (
        "Waste from crematoria",
        "Avfall från krematorier",
    ),
    "1101": (
        (
            "Wastes from chemical surface treatment and coating of metals and other materials (for "
            "example galvanic processes, zinc coating processes, pickling processes, etching, "
            "phosphating, alkaline degreasing, anodising)"
        ),
        (
            "Avfall från kemisk ytbehandling och beläggning av metaller och andra material (t.ex. "
            "galvaniska processer, förzinkningsprocesser, betningsprocesser, etsning, fosfatering, "
            "alkalisk avfettning och anodisering)"
        ),
    ),
    "1102": (
        "Wastes from non-ferrous hydrometallurgical processes",
        "Avfall från hydrometallurgiska processer för icke-järnmetaller",
    ),
    "1103": (
        "Sludges and solids from tempering processes",
        "Slam och fast avfall från härdningsprocesser",
    ),
    "1105": (
        "Wastes from hot galvanising processes",
        "Avfall från varmförzinkningsprocesser",
    ),
    "1201": (
        "Wastes from shaping and physical and mechanical surface treatment of metals and plastics",
        "Avfall från formning samt fysikalisk och mekanisk ytbehandling av metaller och plaster",
    ),
    "1203": (
        "Wastes from water and steam degreasing processes (except 11)",
        "Avfall från avfettning med vatten och ånga (utom 11)",
    ),
    "1301": (
        "Waste hydraulic oils",
        "Hydrauloljeavfall",
    ),
    "1302": (
        "Waste engine, gear and lubricating oils",
        "Avfall av motor-, transmissions- och smörjoljor",
    ),
    "1303": (
        "Waste insulating and heat transmission oils",
        "Avfall av isoler- och värmeöverföringsoljor",
    ),
    "1304": (
        "Bilge oils",
        "Länsvattenoljor",
    ),
    "1305": (
        "Oil/water separator contents",
        "Innehåll från olje/vattenseparatorer",
    ),
    "1307": (
        "Wastes of liquid fuels",
        "Avfall av flytande bränslen",
    ),
    "1308": (
        "Oil wastes not otherwise specified",
        "Oljeavfall som inte anges på annan plats",
    ),
    "1406": (
        "Waste organic solvents, refrigerants and foam/aerosol propellants",
        "Avfall av organiska lösningsmedel, köldmedier och drivgaser för skum och aerosoler",
    ),
    "1501": (
        "Packaging (including separately collected municipal packaging waste)",
        "Förpackningar (inklusive separat insamlat kommunalt förpackningsavfall)",
    ),
    "1502": (
        "Absorbents, filter materials, wiping cloths and protective clothing",
        "Absorbenter, filtermaterial, torkdukar och skyddskläder",
    ),
    "1601": (
        (
            "End-of-life vehicles from different means of transport (including off-road machinery) "
            "and wastes from dismantling of end-of-life vehicles and vehicle maintenance (except "
            "13, 14, 16 06 and 16 08)"
        ),
        (
            "Uttjänta fordon från olika transportsätt (inklusive terrängfordon) och avfall från "
            "demontering av uttjänta fordon samt från fordonsunderhåll (utom 13, 14, 16 06 och 16 "
            "08)"
        ),
    ),
    "1602": (
        "Wastes from electrical and electronic equipment",
        "Avfall från elektrisk och elektronisk utrustning",
    ),
    "1603": (
        "Off-specification batches and unused products",
        "Felaktiga produktionssatser och oanvända produkter",
    ),
    "1604": (
        "Waste explosives",
        "Avfall av sprängämnen",
    ),
    "1605": (
        "Gases in pressure containers and discarded chemicals",
        "Gaser i tryckbehållare och kasserade kemikalier",
    ),
    "1606": (
        "Batteries and accumulators",
        "Batterier och ackumulatorer",
    ),
    "1607": (
        "Wastes from transport tank, storage tank and barrel cleaning (except 05 and 13)",
        "Avfall från rengöring av transporttankar, lagringstankar och fat (utom 05 och 13)",
    ),
    "1608": (
        "Spent catalysts",
        "Förbrukade katalysatorer",
    ),
    "1609": (
        "Oxidising substances",
        "Oxiderande ämnen",
    ),
    "1610": (
        "Aqueous liquid wastes destined for off-site treatment",
        "Vattenhaltigt flytande avfall avsett för behandling på annan plats",
    ),
    "1611": (
        "Waste linings and refractories",
        "Avfall av infodringar och eldfasta material",
    ),
    "1701": (
        "Concrete, bricks, tiles and ceramics",
        "Betong, tegel, klinker och keramik",
    ),
    "1702": (
        "Wood, glass and plastic",
        "Trä, glas och plast",
    ),
    "1703": (
        "Bituminous mixtures, coal tar and tarred products",
        "Bitumenblandningar, stenkolstjära och tjärade produkter",
    ),
    "1704": (
        "Metals (including their alloys)",
        "Metaller (inklusive legeringar)",
    ),
    "1705": (
        "Soil (including excavated soil from contaminated sites), stones and dredging spoil",
        "Jord (inklusive uppgrävda massor från förorenade områden), sten och muddermassor",
    ),
    "1706": (
        "Insulation materials and asbestos-containing construction materials",
        "Isoleringsmaterial och asbesthaltiga byggmaterial",
    ),
    "1708": (
        "Gypsum-based construction material",
        "Gipsbaserade byggmaterial",
    ),
    "1709": (
        "Other construction and demolition wastes",
        "Annat bygg- och rivningsavfall",
    ),
    "1801": (
        "Wastes from natal care, diagnosis, treatment or prevention of disease in humans",
        (
            "Avfall från förlossningsvård, diagnos, behandling eller förebyggande av sjukdom hos "
            "människor"
        ),
    ),
    "1802": (
        "Wastes from research, diagnosis, treatment or prevention of disease involving animals",
        "Avfall från forskning, diagnos, behandling eller förebyggande av sjukdom hos djur",
    ),
    "1901": (
        "Wastes from incineration or pyrolysis of waste",
        "Avfall från förbränning eller pyrolys av avfall",
    ),
    "1902": (
        (
            "Wastes from physico/chemical treatments of waste (including dechromatation, "
            "decyanidation, neutralisation)"
        ),
        (
            "Avfall från fysikalisk-kemisk behandling av avfall (inklusive avkromatisering, "
            "cyanidrening och neutralisering)"
        ),
    ),
    "1903": (
        "Stabilised/solidified wastes",
        "Stabiliserat/solidifierat avfall",
    ),
    "1904": (
        "Vitrified waste and wastes from vitrification",
        "Förglasat avfall och avfall från förglasning",
    ),
    "1905": (
        "Wastes from aerobic treatment of solid wastes",
        "Avfall från aerob behandling av fast avfall",
    ),
    "1906": (
        "Wastes from anaerobic treatment of waste",
        "Avfall från anaerob behandling av avfall",
    ),
    "1907": (
        "Landfill leachate",
        "Lakvatten från deponier",
    ),
    "1908": (
        "Wastes from waste water treatment plants not otherwise specified",
        "Avfall från avloppsreningsverk som inte anges på annan plats",
    ),
    "1909": (
        (
            "Wastes from the preparation of water intended for human consumption or water for "
            "industrial use"
        ),
        "Avfall från framställning av dricksvatten eller vatten för industriellt bruk",
    ),
    "1910": (
        "Wastes from shredding of metal-containing wastes",
        "Avfall från fragmentering av metallhaltigt avfall",
    ),
    "1911": (
        "Wastes from oil regeneration",
        "Avfall från regenerering av olja",
    ),
    "1912": (
        (
            "Wastes from the mechanical treatment of waste (for example sorting, crushing, "
            "compacting, pelletising) not otherwise specified"
        ),
        (
            "Avfall från mekanisk behandling av avfall (t.ex. sortering, krossning, komprimering "
            "och pelletering) som inte anges på annan plats"
        ),
    ),
    "1913": (
        "Wastes from soil and groundwater remediation",
        "Avfall från sanering av mark och grundvatten",
    ),
    "2001": (
        "Separately collected fractions (except 15 01)",
        "Separat insamlade fraktioner (utom 15 01)",
    ),
    "2002": (
        "Garden and park wastes (including cemetery waste)",
        "Trädgårds- och parkavfall (inklusive avfall från kyrkogårdar)",
    ),
    "2003": (
        "Other municipal wastes",
        "Annat kommunalt avfall",
    ),
}
"""List of Waste sub-chapters: four-digit code -> (English heading, Swedish heading)."""

COMMON_CODES: tuple[CommonCode, ...] = (
    # 02 Agriculture, forestry and food processing
    CommonCode(
        code="020304",
        hazardous=False,
        mirror=False,
        en="Materials unsuitable for consumption or processing",
        sv="Material som är otjänligt för konsumtion eller bearbetning",
    ),
    CommonCode(
        code="020701",
        hazardous=False,
        mirror=False,
        en="Wastes from washing, cleaning and mechanical reduction of raw materials",
        sv="Avfall från tvättning, rengöring och mekanisk sönderdelning av råvaror",
    ),
    CommonCode(
        code="020702",
        hazardous=False,
        mirror=False,
        en="Wastes from spirits distillation",
        sv="Avfall från destillation av sprit",
    ),
    CommonCode(
        code="020704",
        hazardous=False,
        mirror=False,
        en="Materials unsuitable for consumption or processing",
        sv="Material som är otjänligt för konsumtion eller bearbetning",
    ),
    # 03 Wood processing, pulp and paper
    CommonCode(
        code="030101",
        hazardous=False,
        mirror=False,
        en="Waste bark and cork",
        sv="Bark- och korkavfall",
    ),
    CommonCode(
        code="030104",
        hazardous=True,
        mirror=True,
        en=(
            "Sawdust, shavings, cuttings, wood, particle board and veneer containing hazardous "
            "substances"
        ),
        sv="Sågspån, spån, avskär, trä, spånskivor och faner som innehåller farliga ämnen",
    ),
    CommonCode(
        code="030105",
        hazardous=False,
        mirror=True,
        en=(
            "Sawdust, shavings, cuttings, wood, particle board and veneer other than those "
            "mentioned in 03 01 04"
        ),
        sv="Sågspån, spån, avskär, trä, spånskivor och faner som inte anges i 03 01 04",
    ),
    CommonCode(
        code="030301",
        hazardous=False,
        mirror=False,
        en="Waste bark and wood",
        sv="Bark- och träavfall",
    ),
    CommonCode(
        code="030302",
        hazardous=False,
        mirror=False,
        en="Green liquor sludge (from recovery of cooking liquor)",
        sv="Grönlutslam (från återvinning av kokvätska)",
    ),
    CommonCode(
        code="030305",
        hazardous=False,
        mirror=False,
        en="De-inking sludges from paper recycling",
        sv="Avsvärtningsslam från pappersåtervinning",
    ),
    CommonCode(
        code="030307",
        hazardous=False,
        mirror=False,
        en="Mechanically separated rejects from pulping of waste paper and cardboard",
        sv="Mekaniskt avskilt rejekt från upplösning av pappers- och pappavfall",
    ),
    CommonCode(
        code="030309",
        hazardous=False,
        mirror=False,
        en="Lime mud waste",
        sv="Mesaavfall",
    ),
    CommonCode(
        code="030310",
        hazardous=False,
        mirror=False,
        en="Fibre rejects, fibre-, filler- and coating-sludges from mechanical separation",
        sv="Fiberrejekt samt fiber-, fyllmedels- och bestrykningsslam från mekanisk separering",
    ),
    CommonCode(
        code="030311",
        hazardous=False,
        mirror=False,
        en="Sludges from on-site effluent treatment other than those mentioned in 03 03 10",
        sv="Slam från rening av avloppsvatten på produktionsplatsen som inte anges i 03 03 10",
    ),
    # 10 Thermal processes: combustion ash, iron and steel slag, foundry sand
    CommonCode(
        code="100101",
        hazardous=False,
        mirror=False,
        en="Bottom ash, slag and boiler dust (excluding boiler dust mentioned in 10 01 04)",
        sv="Bottenaska, slagg och pannaska (utom pannaska som anges i 10 01 04)",
    ),
    CommonCode(
        code="100102",
        hazardous=False,
        mirror=False,
        en="Coal fly ash",
        sv="Flygaska från kol",
    ),
    CommonCode(
        code="100103",
        hazardous=False,
        mirror=False,
        en="Fly ash from peat and untreated wood",
        sv="Flygaska från torv och obehandlat trä",
    ),
    CommonCode(
        code="100104",
        hazardous=True,
        mirror=False,
        en="Oil fly ash and boiler dust",
        sv="Flygaska och pannaska från olja",
    ),
    CommonCode(
        code="100115",
        hazardous=False,
        mirror=True,
        en=(
            "Bottom ash, slag and boiler dust from co-incineration other than those mentioned in "
            "10 01 14"
        ),
        sv="Bottenaska, slagg och pannaska från samförbränning som inte anges i 10 01 14",
    ),
    CommonCode(
        code="100117",
        hazardous=False,
        mirror=True,
        en="Fly ash from co-incineration other than those mentioned in 10 01 16",
        sv="Flygaska från samförbränning som inte anges i 10 01 16",
    ),
    CommonCode(
        code="100124",
        hazardous=False,
        mirror=False,
        en="Sands from fluidised beds",
        sv="Sand från fluidiserade bäddar",
    ),
    CommonCode(
        code="100201",
        hazardous=False,
        mirror=False,
        en="Wastes from the processing of slag",
        sv="Avfall från bearbetning av slagg",
    ),
    CommonCode(
        code="100202",
        hazardous=False,
        mirror=False,
        en="Unprocessed slag",
        sv="Obearbetad slagg",
    ),
    CommonCode(
        code="100210",
        hazardous=False,
        mirror=False,
        en="Mill scales",
        sv="Glödskal",
    ),
    CommonCode(
        code="100903",
        hazardous=False,
        mirror=False,
        en="Furnace slag",
        sv="Ugnsslagg",
    ),
    CommonCode(
        code="100906",
        hazardous=False,
        mirror=True,
        en=(
            "Casting cores and moulds which have not undergone pouring other than those mentioned "
            "in 10 09 05"
        ),
        sv="Gjutkärnor och gjutformar som inte använts för gjutning och som inte anges i 10 09 05",
    ),
    CommonCode(
        code="100908",
        hazardous=False,
        mirror=True,
        en=(
            "Casting cores and moulds which have undergone pouring other than those mentioned in "
            "10 09 07"
        ),
        sv="Gjutkärnor och gjutformar som använts för gjutning och som inte anges i 10 09 07",
    ),
    CommonCode(
        code="101008",
        hazardous=False,
        mirror=True,
        en=(
            "Casting cores and moulds which have undergone pouring, other than those mentioned in "
            "10 10 07"
        ),
        sv="Gjutkärnor och gjutformar som använts för gjutning och som inte anges i 10 10 07",
    ),
    # 12 Shaping and surface treatment of metals and plastics
    CommonCode(
        code="120101",
        hazardous=False,
        mirror=False,
        en="Ferrous metal filings and turnings",
        sv="Filspån och svarvspån av järnmetaller",
    ),
    CommonCode(
        code="120102",
        hazardous=False,
        mirror=False,
        en="Ferrous metal dust and particles",
        sv="Stoft och partiklar av järnmetaller",
    ),
    CommonCode(
        code="120103",
        hazardous=False,
        mirror=False,
        en="Non-ferrous metal filings and turnings",
        sv="Filspån och svarvspån av icke-järnmetaller",
    ),
    CommonCode(
        code="120104",
        hazardous=False,
        mirror=False,
        en="Non-ferrous metal dust and particles",
        sv="Stoft och partiklar av icke-järnmetaller",
    ),
    CommonCode(
        code="120105",
        hazardous=False,
        mirror=False,
        en="Plastics shavings and turnings",
        sv="Spån och svarvspån av plast",
    ),
    # 13 Oil wastes
    CommonCode(
        code="130205",
        hazardous=True,
        mirror=False,
        en="Mineral-based non-chlorinated engine, gear and lubricating oils",
        sv="Mineralbaserade icke-klorerade motor-, transmissions- och smörjoljor",
    ),
    # 15 Packaging
    CommonCode(
        code="150101",
        hazardous=False,
        mirror=False,
        en="Paper and cardboard packaging",
        sv="Pappers- och pappförpackningar",
    ),
    CommonCode(
        code="150102",
        hazardous=False,
        mirror=False,
        en="Plastic packaging",
        sv="Plastförpackningar",
    ),
    CommonCode(
        code="150103",
        hazardous=False,
        mirror=False,
        en="Wooden packaging",
        sv="Träförpackningar",
    ),
    CommonCode(
        code="150104",
        hazardous=False,
        mirror=False,
        en="Metallic packaging",
        sv="Metallförpackningar",
    ),
    CommonCode(
        code="150106",
        hazardous=False,
        mirror=False,
        en="Mixed packaging",
        sv="Blandade förpackningar",
    ),
    CommonCode(
        code="150107",
        hazardous=False,
        mirror=False,
        en="Glass packaging",
        sv="Glasförpackningar",
    ),
    CommonCode(
        code="150110",
        hazardous=True,
        mirror=False,
        en="Packaging containing residues of or contaminated by hazardous substances",
        sv="Förpackningar som innehåller rester av eller är förorenade av farliga ämnen",
    ),
    # 16 Wastes not otherwise specified
    CommonCode(
        code="160103",
        hazardous=False,
        mirror=False,
        en="End-of-life tyres",
        sv="Uttjänta däck",
    ),
    # 17 Construction and demolition
    CommonCode(
        code="170101",
        hazardous=False,
        mirror=True,
        en="Concrete",
        sv="Betong",
    ),
    CommonCode(
        code="170102",
        hazardous=False,
        mirror=True,
        en="Bricks",
        sv="Tegel",
    ),
    CommonCode(
        code="170107",
        hazardous=False,
        mirror=True,
        en=(
            "Mixtures of concrete, bricks, tiles and ceramics other than those mentioned in 17 01 "
            "06"
        ),
        sv="Blandningar av betong, tegel, klinker och keramik som inte anges i 17 01 06",
    ),
    CommonCode(
        code="170201",
        hazardous=False,
        mirror=True,
        en="Wood",
        sv="Trä",
    ),
    CommonCode(
        code="170302",
        hazardous=False,
        mirror=True,
        en="Bituminous mixtures other than those mentioned in 17 03 01",
        sv="Bitumenblandningar som inte anges i 17 03 01",
    ),
    CommonCode(
        code="170405",
        hazardous=False,
        mirror=True,
        en="Iron and steel",
        sv="Järn och stål",
    ),
    CommonCode(
        code="170407",
        hazardous=False,
        mirror=True,
        en="Mixed metals",
        sv="Blandade metaller",
    ),
    CommonCode(
        code="170503",
        hazardous=True,
        mirror=True,
        en="Soil and stones containing hazardous substances",
        sv="Jord och sten som innehåller farliga ämnen",
    ),
    CommonCode(
        code="170504",
        hazardous=False,
        mirror=True,
        en="Soil and stones other than those mentioned in 17 05 03",
        sv="Jord och sten som inte anges i 17 05 03",
    ),
    CommonCode(
        code="170802",
        hazardous=False,
        mirror=True,
        en="Gypsum-based construction materials other than those mentioned in 17 08 01",
        sv="Gipsbaserade byggmaterial som inte anges i 17 08 01",
    ),
    # 19 Waste management facilities and waste water treatment
    CommonCode(
        code="190111",
        hazardous=True,
        mirror=True,
        en="Bottom ash and slag containing hazardous substances",
        sv="Bottenaska och slagg som innehåller farliga ämnen",
    ),
    CommonCode(
        code="190112",
        hazardous=False,
        mirror=True,
        en="Bottom ash and slag other than those mentioned in 19 01 11",
        sv="Bottenaska och slagg som inte anges i 19 01 11",
    ),
    CommonCode(
        code="190805",
        hazardous=False,
        mirror=False,
        en="Sludges from treatment of urban waste water",
        sv="Slam från behandling av hushållsavloppsvatten",
    ),
    CommonCode(
        code="191201",
        hazardous=False,
        mirror=False,
        en="Paper and cardboard",
        sv="Papper och papp",
    ),
    CommonCode(
        code="191207",
        hazardous=False,
        mirror=True,
        en="Wood other than that mentioned in 19 12 06",
        sv="Trä som inte anges i 19 12 06",
    ),
    # 20 Municipal wastes, separately collected fractions
    CommonCode(
        code="200101",
        hazardous=False,
        mirror=False,
        en="Paper and cardboard",
        sv="Papper och papp",
    ),
    CommonCode(
        code="200138",
        hazardous=False,
        mirror=True,
        en="Wood other than that mentioned in 20 01 37",
        sv="Trä som inte anges i 20 01 37",
    ),
    CommonCode(
        code="200201",
        hazardous=False,
        mirror=False,
        en="Biodegradable waste",
        sv="Biologiskt nedbrytbart avfall",
    ),
)
"""Curated List of Waste entries common in the region's industries, sorted by code."""
